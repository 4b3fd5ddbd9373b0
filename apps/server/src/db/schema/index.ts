export * from './system.ts';
export * from './nexus.ts';
