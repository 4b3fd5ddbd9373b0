import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { ProLayout, type MenuDataItem } from '@ant-design/pro-components';
import { Alert, Dropdown } from 'antd';
import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { api, call, ApiError } from '../api/client.ts';
import { useSession } from '../auth/session.tsx';
import { localName } from '../i18n/i18n.ts';
import { LanguageSwitch } from './language-switch.tsx';
import { menuIcon } from './menu-icons.tsx';
import { fromMenuNodes, fromSeed, type NavigationItem } from './navigation.ts';

interface NavigationState {
  items: NavigationItem[];
  loaded: boolean;
  /** The menu service was unavailable; the seeded menus filtered by permission are shown. */
  fallback: boolean;
}

const NavigationContext = createContext<NavigationState>({ items: [], loaded: false, fallback: false });
export const useNavigation = () => useContext(NavigationContext);

function toMenuData(items: NavigationItem[]): MenuDataItem[] {
  return items.map((item) => ({
    key: item.key,
    path: item.path,
    name: localName(item),
    icon: menuIcon(item.icon),
    hideInMenu: !item.visible,
    children: item.children.length > 0 ? toMenuData(item.children) : undefined,
  }));
}

export function ConsoleLayout() {
  const { t, i18n } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const session = useSession();
  const [navigation, setNavigation] = useState<NavigationState>({ items: [], loaded: false, fallback: false });

  useEffect(() => {
    let cancelled = false;
    call(api.GET('/scrm/admin/sys/menu/userTree'), { silent: true })
      .then((tree) => !cancelled && setNavigation({ items: fromMenuNodes(tree.menus), loaded: true, fallback: false }))
      .catch((error: unknown) => {
        if (cancelled || (error instanceof ApiError && error.status === 401)) return;
        setNavigation({ items: fromSeed(session.hasPermission), loaded: true, fallback: true });
      });
    return () => {
      cancelled = true;
    };
    // The menus change with the user (and their grants), not with every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session.user?.id, session.permissions.join(',')]);

  const menuData = useMemo(() => toMenuData(navigation.items), [navigation.items, i18n.language]);
  const user = session.user;

  return (
    <NavigationContext.Provider value={navigation}>
      <ProLayout
        title={t('app.title')}
        logo="/favicon.svg"
        layout="mix"
        fixSiderbar
        location={{ pathname: location.pathname }}
        route={{ path: '/', children: menuData }}
        menu={{ locale: false }}
        onMenuHeaderClick={() => navigate('/dashboard')}
        menuItemRender={(item, dom) => (item.path ? <Link to={item.path}>{dom}</Link> : dom)}
        avatarProps={{
          src: user?.avatar || undefined,
          icon: <UserOutlined />,
          size: 'small',
          title: <span data-testid="current-user">{user?.nickname ?? user?.username}</span>,
          render: (_props, dom) => (
            <Dropdown
              menu={{
                items: [
                  { key: 'profile', icon: <UserOutlined />, label: t('layout.profile') },
                  { type: 'divider' },
                  { key: 'logout', icon: <LogoutOutlined />, label: t('layout.logout') },
                ],
                onClick: ({ key }) => (key === 'logout' ? session.logout() : navigate('/profile')),
              }}
            >
              {dom}
            </Dropdown>
          ),
        }}
        actionsRender={() => [<LanguageSwitch key="language" />]}
      >
        {navigation.fallback && <Alert type="warning" showIcon title={t('layout.menuFallback')} style={{ marginBottom: 16 }} />}
        <Outlet />
      </ProLayout>
    </NavigationContext.Provider>
  );
}
