export { CHROMIUM_ARGS, CHROMIUM_PACKAGES, chromiumPath, chromiumPackagesMissing, ensureChromiumPackages } from './install';
