//! Routes of this family are added by its implementation; until then the fallback answers
//! NotImplementedException naming each operation.

use axum::Router;

use crate::AppState;

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new()
}
