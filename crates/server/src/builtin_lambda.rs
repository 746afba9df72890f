//! The built-in Lambda as the data plane reaches it (`apigw_data::LocalFunctions`): the two
//! crates do not know each other, the server joins them.

use std::sync::Arc;

use apigw_data::{LocalAnswer, LocalCall, LocalFunctions};
use axum::http::StatusCode;

/// The server's built-in Lambda.
pub struct BuiltIn(pub Arc<apigw_lambda::Lambda>);

impl LocalFunctions for BuiltIn {
    fn invoke<'a>(
        &'a self,
        region: &'a str,
        function: &'a str,
        qualifier: Option<&'a str>,
        payload: bytes::Bytes,
    ) -> LocalCall<'a> {
        Box::pin(async move {
            let answer = match self
                .0
                .invoke_local(region, function, qualifier, payload)
                .await?
            {
                Ok(invoked) => LocalAnswer {
                    status: StatusCode::OK,
                    function_error: invoked.function_error.is_some(),
                    payload: invoked.payload,
                },
                // The Invoke API's own failure (a runtime that cannot run here, …), with the
                // body the Invoke API would answer.
                Err(e) => LocalAnswer {
                    status: e.status(),
                    function_error: false,
                    payload: bytes::Bytes::from(e.body().to_string()),
                },
            };
            Some(answer)
        })
    }
}
