/** The typed emitter lives with the protocol: the server's domain events use it too. */
export { Emitter } from '../protocol/emitter';
