export { CHROMIUM_ARGS, chromiumPath } from './install';
