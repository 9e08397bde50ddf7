/**
 * The wire protocol of Counterpart: every message type, payload schema and error code that
 * crosses a boundary between the server, the widget, the extension and the dashboard.
 * Everything that talks imports from here; nothing copies these enums.
 */
export * from './constants';
export * from './shapes';
export * from './rest';
export * from './realtime';
export * from './client';
export * from './tickets';
export * from './admin';
export * from './hours';
export * from './kpis';
