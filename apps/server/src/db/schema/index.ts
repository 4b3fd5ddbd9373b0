export * from './system.ts';
export * from './nexus.ts';
export * from './customers.ts';
export * from './wecom.ts';
export * from './groups.ts';
export * from './tags.ts';
export * from './acquisition.ts';
export * from './leads.ts';
