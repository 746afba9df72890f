//! Every repository function of the store, against real SQLite (in memory and on disk).

use apigw_model::Scope;
use apigw_store::docs::{self, Kind};
use apigw_store::{Store, StoreError};
use serde_json::{json, Value};

fn scope() -> Scope {
    Scope::new("000000000000", "us-east-1")
}

#[tokio::test]
async fn insert_get_exists_list_in_creation_order() {
    let store = Store::open(":memory:").await.unwrap();
    let s = scope();
    let mut tx = store.write().await.unwrap();
    for id in ["b", "a", "c"] {
        docs::insert(&mut tx, &s, Kind::RestApi, "", id, &json!({ "id": id }))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let got: Option<Value> = docs::get(&mut c, &s, Kind::RestApi, "", "a").await.unwrap();
    assert_eq!(got, Some(json!({"id": "a"})));
    assert!(docs::exists(&mut c, &s, Kind::RestApi, "", "c")
        .await
        .unwrap());
    assert!(!docs::exists(&mut c, &s, Kind::RestApi, "", "z")
        .await
        .unwrap());
    let all: Vec<Value> = docs::list(&mut c, &s, Kind::RestApi, "").await.unwrap();
    assert_eq!(
        all.iter()
            .map(|v| v["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["b", "a", "c"]
    );
    // Another kind, parent, or region sees nothing.
    assert!(docs::list::<Value>(&mut c, &s, Kind::ApiKey, "")
        .await
        .unwrap()
        .is_empty());
    assert!(docs::list::<Value>(
        &mut c,
        &Scope::new("000000000000", "eu-west-1"),
        Kind::RestApi,
        ""
    )
    .await
    .unwrap()
    .is_empty());
}

#[tokio::test]
async fn duplicate_keys_conflict() {
    let store = Store::open(":memory:").await.unwrap();
    let s = scope();
    let mut tx = store.write().await.unwrap();
    docs::insert(&mut tx, &s, Kind::Stage, "api", "dev", &json!({}))
        .await
        .unwrap();
    let e = docs::insert(&mut tx, &s, Kind::Stage, "api", "dev", &json!({}))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict));
    assert!(docs::is_conflict(&e));
    // Same id under another parent is fine.
    docs::insert(&mut tx, &s, Kind::Stage, "api2", "dev", &json!({}))
        .await
        .unwrap();
}

#[tokio::test]
async fn update_upsert_delete_and_cascade() {
    let store = Store::open(":memory:").await.unwrap();
    let s = scope();
    let mut tx = store.write().await.unwrap();
    assert!(
        !docs::update(&mut tx, &s, Kind::Resource, "api", "r1", &json!({"v": 1}))
            .await
            .unwrap()
    );
    docs::upsert(&mut tx, &s, Kind::Resource, "api", "r1", &json!({"v": 1}))
        .await
        .unwrap();
    docs::upsert(&mut tx, &s, Kind::Resource, "api", "r2", &json!({"v": 2}))
        .await
        .unwrap();
    docs::upsert(&mut tx, &s, Kind::Resource, "api", "r1", &json!({"v": 3}))
        .await
        .unwrap();
    let all: Vec<Value> = docs::list(&mut tx, &s, Kind::Resource, "api")
        .await
        .unwrap();
    assert_eq!(
        all,
        vec![json!({"v": 3}), json!({"v": 2})],
        "upsert keeps the creation order"
    );
    assert!(
        docs::update(&mut tx, &s, Kind::Resource, "api", "r2", &json!({"v": 4}))
            .await
            .unwrap()
    );
    assert!(docs::delete(&mut tx, &s, Kind::Resource, "api", "r1")
        .await
        .unwrap());
    assert!(!docs::delete(&mut tx, &s, Kind::Resource, "api", "r1")
        .await
        .unwrap());
    docs::insert(&mut tx, &s, Kind::Resource, "other", "x", &json!({}))
        .await
        .unwrap();
    assert_eq!(
        docs::delete_children(&mut tx, &s, Kind::Resource, "api")
            .await
            .unwrap(),
        1
    );
    let all: Vec<(String, Value)> = docs::list_all(&mut tx, &s, Kind::Resource).await.unwrap();
    assert_eq!(all, vec![("other".to_string(), json!({}))]);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn rolled_back_writes_leave_nothing() {
    let store = Store::open(":memory:").await.unwrap();
    let s = scope();
    {
        let mut tx = store.write().await.unwrap();
        docs::insert(&mut tx, &s, Kind::ApiKey, "", "k", &json!({}))
            .await
            .unwrap();
        // dropped without commit
    }
    let mut c = store.read().await.unwrap();
    assert!(!docs::exists(&mut c, &s, Kind::ApiKey, "", "k")
        .await
        .unwrap());
}

#[tokio::test]
async fn snapshots_and_parents() {
    let store = Store::open(":memory:").await.unwrap();
    let s = scope();
    let mut tx = store.write().await.unwrap();
    docs::put_snapshot(&mut tx, &s, "api", "d1", &json!({"resources": [1]}))
        .await
        .unwrap();
    docs::put_snapshot(&mut tx, &s, "api", "d2", &json!({"resources": [2]}))
        .await
        .unwrap();
    docs::put_snapshot(&mut tx, &s, "api2", "d3", &json!({}))
        .await
        .unwrap();
    let got: Option<Value> = docs::get_snapshot(&mut tx, &s, "api", "d2").await.unwrap();
    assert_eq!(got, Some(json!({"resources": [2]})));
    docs::delete_snapshots(&mut tx, &s, "api", Some("d1"))
        .await
        .unwrap();
    assert!(docs::get_snapshot::<Value>(&mut tx, &s, "api", "d1")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        docs::all_snapshots::<Value>(&mut tx).await.unwrap().len(),
        2
    );
    docs::delete_snapshots(&mut tx, &s, "api", None)
        .await
        .unwrap();
    assert_eq!(
        docs::all_snapshots::<Value>(&mut tx).await.unwrap().len(),
        1
    );

    docs::insert(&mut tx, &s, Kind::Stage, "api2", "dev", &json!({}))
        .await
        .unwrap();
    docs::insert(&mut tx, &s, Kind::Stage, "api2", "prod", &json!({}))
        .await
        .unwrap();
    docs::insert(
        &mut tx,
        &Scope::new("1", "eu-west-1"),
        Kind::Stage,
        "api9",
        "dev",
        &json!({}),
    )
    .await
    .unwrap();
    let parents = docs::parents_of(&mut tx, Kind::Stage).await.unwrap();
    assert_eq!(
        parents,
        vec![
            (Scope::new("000000000000", "us-east-1"), "api2".to_string()),
            (Scope::new("1", "eu-west-1"), "api9".to_string())
        ]
    );
    tx.commit().await.unwrap();

    store.reset().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert!(docs::all_snapshots::<Value>(&mut c)
        .await
        .unwrap()
        .is_empty());
    assert!(docs::parents_of(&mut c, Kind::Stage)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn committed_writes_survive_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/state.db");
    let path = path.to_str().unwrap();
    {
        let store = Store::open(path).await.unwrap();
        assert_eq!(store.location(), path);
        let mut tx = store.write().await.unwrap();
        docs::insert(
            &mut tx,
            &scope(),
            Kind::UsagePlan,
            "",
            "p1",
            &json!({"name": "basic"}),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // No close: as after a crash, the WAL holds the commit.
    }
    let store = Store::open(path).await.unwrap();
    let mut c = store.read().await.unwrap();
    let got: Option<Value> = docs::get(&mut c, &scope(), Kind::UsagePlan, "", "p1")
        .await
        .unwrap();
    assert_eq!(got, Some(json!({"name": "basic"})));
}
