//! `{"item": [...], "position": "..."}` list envelopes with `limit` and `position` paging.
//!
//! `position` is an opaque token: here the offset of the next item, encoded so that clients
//! do not mistake it for an id. Lists are in creation order, as AWS lists them.

use serde::{Deserialize, Serialize};

use apigw_model::ApiError;

use crate::error::Error;

/// The query parameters every paged list takes.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Where the previous page stopped.
    pub position: Option<String>,
    /// Page size, 1–500, default 25.
    pub limit: Option<String>,
}

/// A page of a list, as the wire carries it (botocore maps `item` to `items`).
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// This page's items.
    pub item: Vec<T>,
    /// The token for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

impl<T> Page<T> {
    /// The whole list as one page (no `position`): GetStages, which AWS never pages.
    pub fn whole(item: Vec<T>) -> Self {
        Page {
            item,
            position: None,
        }
    }
}

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 500;

/// Cut one page out of the whole list.
///
/// # Errors
/// `ValidationException` for a limit outside 1–500 or not a number; `BadRequestException` for
/// a position token that is not one of ours.
pub fn paginate<T>(all: Vec<T>, q: &PageQuery) -> Result<Page<T>, Error> {
    let limit = match q.limit.as_deref() {
        None | Some("") => DEFAULT_LIMIT,
        Some(s) => {
            let n: i64 = s.parse().map_err(|_| {
                ApiError::serialization(format!("Unable to parse limit value: {s}"))
            })?;
            if n > MAX_LIMIT as i64 {
                return Err(ApiError::validation(
                    &n.to_string(),
                    "limit",
                    "Member must have value less than or equal to 500",
                )
                .into());
            }
            if n < 1 {
                return Err(ApiError::validation(
                    &n.to_string(),
                    "limit",
                    "Member must have value greater than or equal to 1",
                )
                .into());
            }
            n as usize
        }
    };
    let start = match q.position.as_deref() {
        None | Some("") => 0,
        Some(p) => decode_position(p)
            .ok_or_else(|| ApiError::bad_request("Invalid position parameter specified"))?,
    };
    let total = all.len();
    let item: Vec<T> = all.into_iter().skip(start).take(limit).collect();
    let next = start + item.len();
    let position = (next < total).then(|| encode_position(next));
    Ok(Page { item, position })
}

fn encode_position(offset: usize) -> String {
    format!("p{offset:x}z")
}

fn decode_position(p: &str) -> Option<usize> {
    usize::from_str_radix(p.strip_prefix('p')?.strip_suffix('z')?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(position: Option<&str>, limit: Option<&str>) -> PageQuery {
        PageQuery {
            position: position.map(Into::into),
            limit: limit.map(Into::into),
        }
    }

    #[test]
    fn pages_walk_the_whole_list() {
        let all: Vec<u32> = (0..7).collect();
        let p1 = paginate(all.clone(), &q(None, Some("3"))).unwrap();
        assert_eq!(p1.item, vec![0, 1, 2]);
        let p2 = paginate(all.clone(), &q(p1.position.as_deref(), Some("3"))).unwrap();
        assert_eq!(p2.item, vec![3, 4, 5]);
        let p3 = paginate(all.clone(), &q(p2.position.as_deref(), Some("3"))).unwrap();
        assert_eq!(p3.item, vec![6]);
        assert!(p3.position.is_none());
    }

    #[test]
    fn limits() {
        assert_eq!(
            paginate((0..30).collect::<Vec<_>>(), &q(None, None))
                .unwrap()
                .item
                .len(),
            25
        );
        assert!(paginate(vec![1], &q(None, Some("501"))).is_err());
        assert!(paginate(vec![1], &q(None, Some("0"))).is_err());
        assert!(paginate(vec![1], &q(Some("junk"), None)).is_err());
    }
}
