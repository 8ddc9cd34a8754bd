//! Security primitives for visanav's accounts: password hashing and policy, TOTP second factor,
//! recovery codes and random tokens.
//!
//! Pure functions and small types, deliberately without a database, a web framework or a clock:
//! callers pass `now` (as Unix seconds) and store what these functions return. Keeping them here
//! lets each be tested against its standard's published vectors, and keeps the store and the
//! server free of cryptographic detail.
//!
//! Every secret a user must not see in a log (a token, a session id, a recovery code, a TOTP
//! secret) is returned in a type whose `Debug` prints `****`.

pub mod password;
pub mod policy;
mod random;
pub mod recovery;
pub mod secret;
pub mod token;
pub mod totp;

pub use password::{PasswordHashError, hash_password, needs_rehash, verify_password};
pub use policy::{PasswordPolicy, PasswordProblem};
pub use recovery::{RecoveryCodes, hash_recovery_code, normalize_recovery_code};
pub use secret::SecretString;
pub use token::{API_TOKEN_PREFIX, hash_token, new_api_token, new_session_id, new_token};
pub use totp::{TotpError, TotpSecret, TotpSetup, totp, verify_totp};
