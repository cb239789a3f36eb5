//! The keywords of `#[dal(...)]`, in one place.

/// The attribute name.
pub(crate) const DAL: &str = "dal";

/// Container keys.
pub(crate) const TABLE: &str = "table";
pub(crate) const CRATE: &str = "crate";
pub(crate) const SOFT_DELETE: &str = "soft_delete";
pub(crate) const HISTORY: &str = "history";
pub(crate) const HAS_MANY: &str = "has_many";
pub(crate) const HAS_ONE: &str = "has_one";
/// Container and field keys: `index(a, b)` / `unique(a, b)` on the struct, flags on a field.
pub(crate) const INDEX: &str = "index";
pub(crate) const UNIQUE: &str = "unique";

/// Field keys.
pub(crate) const ID: &str = "id";
pub(crate) const COLUMN: &str = "column";
pub(crate) const VERSION: &str = "version";
pub(crate) const CREATED_AT: &str = "created_at";
pub(crate) const UPDATED_AT: &str = "updated_at";
pub(crate) const DELETED_AT: &str = "deleted_at";
pub(crate) const SKIP: &str = "skip";
pub(crate) const SHARD_KEY: &str = "shard_key";
pub(crate) const REFERENCES: &str = "references";
pub(crate) const ON_DELETE: &str = "on_delete";
pub(crate) const DEFAULT: &str = "default";
pub(crate) const MAX_LENGTH: &str = "max_length";
/// The `default = now` value.
pub(crate) const NOW: &str = "now";
pub(crate) const PRECISION: &str = "precision";
pub(crate) const SCALE: &str = "scale";

/// Every container key, for suggestions.
pub(crate) const CONTAINER_KEYS: &[&str] =
    &[TABLE, SOFT_DELETE, HISTORY, HAS_MANY, HAS_ONE, INDEX, UNIQUE, CRATE];
/// Every field key, for suggestions.
pub(crate) const FIELD_KEYS: &[&str] = &[
    ID, COLUMN, VERSION, CREATED_AT, UPDATED_AT, DELETED_AT, SKIP, SHARD_KEY, REFERENCES,
    ON_DELETE, PRECISION, SCALE, INDEX, UNIQUE, DEFAULT, MAX_LENGTH,
];

/// `#[derive(Value)]` keys: on the type, and on an enum's variants.
pub(crate) const RENAME_ALL: &str = "rename_all";
pub(crate) const REPR: &str = "repr";
pub(crate) const RENAME: &str = "rename";
/// Every key on a `Value` type, for suggestions.
pub(crate) const VALUE_KEYS: &[&str] = &[ID, RENAME_ALL, REPR, CRATE];
/// Every key on a `Value` enum's variant, for suggestions.
pub(crate) const VARIANT_KEYS: &[&str] = &[RENAME];

/// `#[auto_transaction(...)]` keys.
pub(crate) const ISOLATION: &str = "isolation";
pub(crate) const READ_ONLY: &str = "read_only";
pub(crate) const SAVEPOINT: &str = "savepoint";
pub(crate) const RETRY: &str = "retry";
pub(crate) const TIMEOUT: &str = "timeout";
pub(crate) const HANDLE: &str = "handle";
pub(crate) const TAGS: &str = "tags";
pub(crate) const JOIN: &str = "join";
pub(crate) const REQUIRES_NEW: &str = "requires_new";
pub(crate) const MANDATORY: &str = "mandatory";
pub(crate) const NEVER: &str = "never";
/// The propagation keys, with the runtime's `Propagation` variant each stands for.
pub(crate) const PROPAGATIONS: &[(&str, &str)] = &[
    (JOIN, "Join"),
    (SAVEPOINT, "Savepoint"),
    (REQUIRES_NEW, "RequiresNew"),
    (MANDATORY, "Mandatory"),
    (NEVER, "Never"),
];
/// Every `#[auto_transaction]` key, for suggestions.
pub(crate) const TRANSACTION_KEYS: &[&str] = &[
    ISOLATION,
    READ_ONLY,
    JOIN,
    SAVEPOINT,
    REQUIRES_NEW,
    MANDATORY,
    NEVER,
    RETRY,
    TIMEOUT,
    HANDLE,
    TAGS,
    CRATE,
];

/// `#[track_slow(...)]` keys.
pub(crate) const THRESHOLD: &str = "threshold";
/// Every `#[track_slow]` key, for suggestions.
pub(crate) const SLOW_KEYS: &[&str] = &[THRESHOLD, CRATE];
