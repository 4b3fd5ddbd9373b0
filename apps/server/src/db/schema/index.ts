export * from './system.ts';
export * from './nexus.ts';
export * from './customers.ts';
