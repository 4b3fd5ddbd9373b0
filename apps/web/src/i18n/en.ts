import type { Messages } from './zh-cn.ts';

export const en: Messages = {
  app: { title: 'SCRM', subtitle: 'Social CRM for WeCom' },
  common: {
    ok: 'OK', cancel: 'Cancel', save: 'Save', create: 'New', edit: 'Edit', delete: 'Delete', search: 'Search', reset: 'Reset',
    actions: 'Actions', status: 'Status', enabled: 'Active', disabled: 'Disabled', yes: 'Yes', no: 'No', remark: 'Remark',
    createdAt: 'Created', updatedAt: 'Updated', orderNum: 'Order', confirmDelete: 'Delete this item?',
    confirmDeleteSelected: 'Delete the {{count}} selected items?', deleteSelected: 'Delete selected', selected: '{{count}} selected',
    saved: 'Saved', deleted: 'Deleted', copy: 'Copy', copied: 'Copied', loading: 'Loading…', noData: 'No data',
    networkError: 'Cannot reach the server; check your network', unknownError: 'Request failed (HTTP {{status}})',
    sessionExpired: 'Your session has expired; please sign in again',
    back: 'Back to dashboard', refresh: 'Refresh', expandAll: 'Expand all', collapseAll: 'Collapse all',
  },
  language: { label: 'Language', zh: '简体中文', en: 'English' },
  login: {
    title: 'Sign in', username: 'Username', password: 'Password', submit: 'Sign in', usernameRequired: 'Enter your username',
    passwordRequired: 'Enter your password', welcome: 'Welcome back, {{name}}',
  },
  password: {
    forcedTitle: 'Change your password', forcedHint: 'Your password was reset. Choose a new password to continue.',
    title: 'Change password', old: 'Current password', new: 'New password', confirm: 'Confirm new password',
    mismatch: 'The passwords do not match', tooShort: '8–64 characters with at least one letter and one digit', changed: 'Password changed',
    submit: 'Change password', logout: 'Sign out',
  },
  layout: { profile: 'Profile', logout: 'Sign out', menuFallback: 'The menu service is unavailable; showing the default menus for your permissions' },
  profile: {
    title: 'Profile', basic: 'Account', avatar: 'Avatar', uploadAvatar: 'Upload avatar', avatarHint: 'JPG, PNG, GIF or WEBP, at most 2 MB',
    avatarType: 'Only JPG, PNG, GIF or WEBP images', avatarSize: 'The avatar must be at most 2 MB', avatarUpdated: 'Avatar updated',
    roles: 'Roles', dept: 'Department', lastLogin: 'Last sign-in', dataScope: 'Data scope',
  },
  dashboard: {
    title: 'Dashboard', users: 'Users', roles: 'Roles', depts: 'Departments', menus: 'Menus', customers: 'New customers today',
    lost: 'Lost customers today', netGrowth: 'Net growth', leads: 'Leads', topChannels: 'Top channels', noDataYet: 'No data yet',
    pendingModule: 'Shown once this module is available', userStatus: 'Account status', enabledUsers: 'Active', disabledUsers: 'Disabled',
  },
  comingSoon: { title: 'Coming soon', description: 'The service behind “{{name}}” is not available yet; real data will appear here once it is.' },
  notFound: { title: 'Page not found', description: 'This page does not exist, or you do not have access to it.' },
  job: { title: 'Job progress', background: 'Run in background', created: 'Queued', active: 'Running', retry: 'Retrying', completed: 'Completed', failed: 'Failed' },
  user: {
    title: 'Users', username: 'Username', nickname: 'Name', password: 'Initial password', phone: 'Mobile', email: 'Email',
    empNo: 'Employee no.', dept: 'Department', roles: 'Roles', lastLoginAt: 'Last sign-in', qwUserid: 'WeCom user',
    create: 'New user', edit: 'Edit user', usernameTaken: 'This username is taken', resetPassword: 'Reset password',
    confirmReset: 'Reset the password of “{{name}}”?', resetDone: 'Password reset',
    resetHint: 'This one-time password is shown only once; pass it on securely. The user must change it at the next sign-in.',
    oneTimePassword: 'One-time password', enable: 'Enable', disable: 'Disable', statusChanged: 'Status updated',
    phoneInvalid: 'Enter a valid mobile number', emailInvalid: 'Enter a valid email address', usernameRule: '2–32 letters, digits or _ . @ -',
  },
  role: {
    title: 'Roles', name: 'Role name', roleKey: 'Role key', dataScope: 'Data scope', create: 'New role', edit: 'Edit role',
    grant: 'Permissions', grantTitle: 'Menu permissions: {{name}}', deptIds: 'Custom departments',
    scope1: 'All data', scope2: 'Custom departments', scope3: 'Own department', scope4: 'Own department and below', scope5: 'Self only',
    deptRequired: 'Choose at least one department',
  },
  menu: {
    title: 'Menus', name: 'Menu name', nameEn: 'English name', menuType: 'Type', typeM: 'Directory', typeC: 'Page', typeF: 'Button',
    path: 'Route path', component: 'Component', icon: 'Icon', perms: 'Permission code', visible: 'Visible', parent: 'Parent menu',
    root: 'Top level', create: 'New menu', addChild: 'Add child', edit: 'Edit menu',
  },
  dept: {
    title: 'Departments', name: 'Department', leader: 'Leader', phone: 'Phone', parent: 'Parent department', create: 'New department',
    addChild: 'Add child', edit: 'Edit department',
  },
  wecom: {
    deptTitle: 'WeCom departments', empTitle: 'WeCom employees', deptName: 'Department', deptId: 'WeCom dept id', parentId: 'Parent id',
    leaders: 'Leaders', removed: 'No longer in WeCom', syncedAt: 'Synced', sync: 'Sync from WeCom', syncDepts: 'Sync WeCom departments',
    syncEmployees: 'Sync WeCom employees', name: 'Name', position: 'Position', departments: 'Departments', status1: 'Active',
    status2: 'Disabled', status4: 'Not activated', status5: 'Left',
  },
  audit: {
    title: 'Audit log', operator: 'Operator', action: 'Action', target: 'Target', result: 'Result', ip: 'IP', time: 'Time',
    detail: 'Details', success: 'Success', failure: 'Failure', before: 'Before', after: 'After', requestId: 'Request id',
  },
};
