/** The folder that holds this package (two levels above dist/src). */
export declare const PACKAGE_ROOT: string;
/** The state folder: $RLAIF_HOME, or .rlaif in the current directory. */
export declare function stateDir(): string;
/** The artifact store root: $RLAIF_STORE, or <state>/store. */
export declare function defaultStoreRoot(): string;
