// The injection tokens and metadata keys of @licenzy-gate/nest, in a file of their own so every part can import them.

/** Injects the module's gate: `constructor(@Inject(LICENZY_GATE) private readonly gate: LicenzyGate) {}`. */
export const LICENZY_GATE = Symbol.for('@licenzy-gate/nest:gate');
/** Injects the module's parsed options (route defaults and whether the module built its gate). */
export const LICENZY_MODULE_OPTIONS = Symbol.for('@licenzy-gate/nest:module-options');

/** Metadata: the `@RequireAccess()` options of a controller or handler. */
export const REQUIRE_ACCESS_METADATA = '@licenzy-gate/nest:require-access';
/** Metadata: `@SkipAccess()` on a controller or handler. */
export const SKIP_ACCESS_METADATA = '@licenzy-gate/nest:skip-access';
/** Metadata: the `@RequireUsage()` options of a controller or handler. */
export const REQUIRE_USAGE_METADATA = '@licenzy-gate/nest:require-usage';
