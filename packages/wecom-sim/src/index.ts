// @scrm/wecom-sim: a stateful WeCom simulator (API, demo corp, customers and employees, callbacks).
export { createWecomSimulator, API_ROUTES } from './simulator.ts';
export type { WecomSimulator, WecomSimulatorOptions, SimulatorCredentials } from './simulator.ts';
export { SimulatorActions, SimActionError } from './actions.ts';
export type { AddCustomerResult, CustomerInput, EditCustomerInput, EmployeeInput, EmployeeUpdate, GroupMemberInput, NewCustomer } from './actions.ts';
export { generateCorp, seededCredentials, DEFAULT_SIZES, DEFAULT_ANCHOR_TIME, HISTORY_DAYS } from './generator.ts';
export type { CorpSizes, GenerateCorpOptions } from './generator.ts';
export { SimState } from './state.ts';
export type { Delivery, DeliveryAttempt, DeliveryOptions } from './delivery.ts';
export type { FaultOptions, FaultSettings } from './faults.ts';
export type { TransferOptions } from './core.ts';
export type * from './model.ts';
export { ACTION_NAMES, kebabCase } from './sim-routes.ts';
export type { SimRoutesOptions } from './sim-routes.ts';
export { createManualClock } from './clock.ts';
export type { ManualClock } from './clock.ts';
export { LiveActivity } from './activity.ts';
export type { LiveAction, LiveActivityOptions } from './activity.ts';
