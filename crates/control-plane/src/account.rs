//! Account: GetAccount, UpdateAccount
//! ([AWS reference](https://docs.aws.amazon.com/apigateway/latest/api/API_GetAccount.html)).
//!
//! One document per account and region; until it is first updated, AWS's defaults show
//! (10,000 rps / 5,000 burst, the `UsagePlans` feature, API key version 4).

use axum::response::Response;
use axum::routing::get;
use axum::Router;

use apigw_model::{Account, ApiError};
use apigw_store::typed;

use crate::error::Result;
use crate::extract::{AwsJson, Call};
use crate::patch::{self, Op, PatchInput, PatchOp};
use crate::{reply, AppState};

/// The paths UpdateAccount takes.
const PATHS: &[&str] = &["/cloudwatchRoleArn", "/features"];
/// The only account feature API Gateway knows.
const FEATURES: &[&str] = &["UsagePlans"];

/// Routes of this family.
pub fn routes() -> Router<AppState> {
    Router::new().route("/account", get(get_account).patch(update_account))
}

async fn get_account(Call { st, scope }: Call) -> Result<Response> {
    let mut c = st.store.read().await?;
    let mut account: Account = typed::get(&mut c, &scope, "", "")
        .await?
        .unwrap_or_default();
    show_throttle(&st, &scope, &mut account);
    reply::ok(&account)
}

/// The throttle is not stored: it is what the data plane enforces (AWS's default quota,
/// lower in two regions, or the emulator's `--account-throttle`).
fn show_throttle(st: &AppState, scope: &apigw_model::Scope, account: &mut Account) {
    let (rate, burst) = st.config.account_throttle.unwrap_or(
        if matches!(scope.region.as_str(), "af-south-1" | "eu-south-1") {
            (2500.0, 1250)
        } else {
            (10_000.0, 5000)
        },
    );
    account.throttle_settings = apigw_model::ThrottleSettings {
        burst_limit: Some(burst),
        rate_limit: Some(rate),
    };
}

/// Apply UpdateAccount's patch operations (pure, so it is tested without a server).
///
/// # Errors
/// `BadRequestException` for a path, op or feature AWS refuses.
pub fn apply_patch(account: &mut Account, ops: &[PatchOp]) -> Result<()> {
    patch::each(ops, |op, segs| {
        match (op.op, segs) {
            (Op::Replace, ["cloudwatchRoleArn"]) => {
                account.cloudwatch_role_arn = op.value_or_clear()
            }
            (Op::Add, ["features"]) => {
                let v = op.value()?;
                if !FEATURES.contains(&v) {
                    return Err(ApiError::bad_request(format!(
                        "Invalid feature specified: {v}. Must be one of: [{}]",
                        FEATURES.join(", ")
                    ))
                    .into());
                }
                if !account.features.iter().any(|f| f == v) {
                    account.features.push(v.to_string());
                }
            }
            (Op::Replace, _) => return Err(op.invalid_path(PATHS)),
            _ => return Err(op.unsupported_op()),
        }
        Ok(())
    })?;
    Ok(())
}

async fn update_account(
    Call { st, scope }: Call,
    AwsJson(input): AwsJson<PatchInput>,
) -> Result<Response> {
    let ops = patch::parse(input, "updateAccountInput")?;
    let mut tx = st.store.write().await?;
    let mut account: Account = typed::get(&mut tx, &scope, "", "")
        .await?
        .unwrap_or_default();
    let before = account.cloudwatch_role_arn.clone();
    apply_patch(&mut account, &ops)?;
    // API Gateway assumes the role to write logs: AWS refuses a role it cannot assume (here:
    // one IAM does not have).
    if let Some(arn) = account
        .cloudwatch_role_arn
        .as_deref()
        .filter(|a| before.as_deref() != Some(*a))
    {
        if !apigw_companions::iam::role_exists(&mut tx, &scope.account, arn).await? {
            return Err(ApiError::bad_request(
                "The role ARN does not have required permissions set to API Gateway",
            )
            .into());
        }
    }
    typed::upsert(&mut tx, &scope, "", "", &account).await?;
    tx.commit().await?;
    show_throttle(&st, &scope, &mut account);
    reply::ok(&account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::ops;

    #[test]
    fn role_arn_set_and_cleared() {
        let mut a = Account::default();
        let arn = "arn:aws:iam::000000000000:role/apigw-logs";
        apply_patch(
            &mut a,
            &ops(&[("replace", "/cloudwatchRoleArn", Some(arn))]),
        )
        .unwrap();
        assert_eq!(a.cloudwatch_role_arn.as_deref(), Some(arn));
        apply_patch(&mut a, &ops(&[("replace", "/cloudwatchRoleArn", Some(""))])).unwrap();
        assert!(a.cloudwatch_role_arn.is_none());
    }

    #[test]
    fn refusals() {
        let mut a = Account::default();
        let e = apply_patch(
            &mut a,
            &ops(&[("replace", "/throttleSettings/burstLimit", Some("1"))]),
        )
        .unwrap_err();
        assert_eq!(e.0.message, "Invalid patch path  '/throttleSettings/burstLimit' specified for op 'replace'. Must be one of: [/cloudwatchRoleArn, /features]");
        assert!(apply_patch(&mut a, &ops(&[("add", "/features", Some("Nope"))])).is_err());
        apply_patch(&mut a, &ops(&[("add", "/features", Some("UsagePlans"))])).unwrap();
        assert_eq!(a.features, ["UsagePlans"]);
        assert_eq!(a, Account::default());
    }
}
