//! Resources: create rules, paths, patch, cascade delete, embed.

use crate::fixtures::{assert_aws_err, patch};
use crate::harness::{new_api, Server};

#[tokio::test]
async fn lifecycle_and_rules() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "r").await;
    let res = c.get_resources().rest_api_id(&api).send().await.unwrap();
    assert_eq!(res.items().len(), 1);
    assert_eq!(res.items()[0].path(), Some("/"));
    assert!(res.items()[0].parent_id().is_none());

    let pets = c
        .create_resource()
        .rest_api_id(&api)
        .parent_id(&root)
        .path_part("pets")
        .send()
        .await
        .unwrap();
    assert_eq!(pets.path(), Some("/pets"));
    assert_eq!(pets.id().unwrap().len(), 6);
    let id = c
        .create_resource()
        .rest_api_id(&api)
        .parent_id(pets.id().unwrap())
        .path_part("{id}")
        .send()
        .await
        .unwrap();
    assert_eq!(id.path(), Some("/pets/{id}"));

    // AWS's messages (test_apigateway_api.snapshot.json).
    assert_aws_err!(
        c.create_resource()
            .rest_api_id(&api)
            .parent_id(&root)
            .path_part("pets")
            .send()
            .await,
        "ConflictException",
        "Another resource with the same parent already has this name: pets"
    );
    assert_aws_err!(
        c.create_resource()
            .rest_api_id(&api)
            .parent_id(pets.id().unwrap())
            .path_part("{other}")
            .send()
            .await,
        "BadRequestException",
        "A sibling ({id}) of this resource already has a variable path part -- only one is allowed"
    );
    let proxy = c
        .create_resource()
        .rest_api_id(&api)
        .parent_id(&root)
        .path_part("{proxy+}")
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.create_resource()
            .rest_api_id(&api)
            .parent_id(proxy.id().unwrap())
            .path_part("x")
            .send()
            .await,
        _,
        "Cannot create a child of a resource with a greedy path variable: {proxy+}"
    );
    assert_aws_err!(
        c.create_resource()
            .rest_api_id(&api)
            .parent_id("nope00")
            .path_part("x")
            .send()
            .await,
        "NotFoundException",
        "Invalid Resource identifier specified"
    );
    assert_aws_err!(
        c.create_resource()
            .rest_api_id(&api)
            .parent_id(&root)
            .path_part("a b")
            .send()
            .await,
        "BadRequestException"
    );
    assert_eq!(
        c.get_resources()
            .rest_api_id(&api)
            .send()
            .await
            .unwrap()
            .items()
            .len(),
        4
    );

    // Rename moves the subtree's paths.
    let up = c
        .update_resource()
        .rest_api_id(&api)
        .resource_id(pets.id().unwrap())
        .patch_operations(patch("replace", "/pathPart", "dogs"))
        .send()
        .await
        .unwrap();
    assert_eq!(up.path(), Some("/dogs"));
    let child = c
        .get_resource()
        .rest_api_id(&api)
        .resource_id(id.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(child.path(), Some("/dogs/{id}"));
    assert_aws_err!(
        c.update_resource()
            .rest_api_id(&api)
            .resource_id(pets.id().unwrap())
            .patch_operations(patch("replace", "/parentId", id.id().unwrap()))
            .send()
            .await,
        _,
        "Resources cannot be cyclical."
    );
    assert_aws_err!(
        c.update_resource()
            .rest_api_id(&api)
            .resource_id(&root)
            .patch_operations(patch("replace", "/pathPart", "x"))
            .send()
            .await,
        _,
        "Root resource cannot update its pathPart."
    );
    assert_aws_err!(
        c.update_resource()
            .rest_api_id(&api)
            .resource_id(pets.id().unwrap())
            .patch_operations(patch("replace", "/invalid", "x"))
            .send()
            .await,
        _,
        "Invalid patch path  '/invalid' specified for op 'replace'. Must be one of: [/parentId, /pathPart]"
    );
    assert_aws_err!(
        c.update_resource()
            .rest_api_id(&api)
            .resource_id(pets.id().unwrap())
            .patch_operations(patch("add", "/pathPart", "x"))
            .send()
            .await,
        _,
        "Invalid patch path  '/pathPart' specified for op 'add'. Please choose supported operations"
    );

    // Delete cascades to children.
    c.delete_resource()
        .rest_api_id(&api)
        .resource_id(pets.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_aws_err!(
        c.get_resource()
            .rest_api_id(&api)
            .resource_id(id.id().unwrap())
            .send()
            .await,
        "NotFoundException"
    );
    let left: Vec<_> = c
        .get_resources()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .map(|r| r.path().unwrap().to_string())
        .collect();
    assert_eq!(left, ["/", "/{proxy+}"]);
}

#[tokio::test]
async fn resources_page() {
    let s = Server::start();
    let c = s.sdk();
    let (api, root) = new_api(&c, "r").await;
    for i in 0..5 {
        c.create_resource()
            .rest_api_id(&api)
            .parent_id(&root)
            .path_part(format!("p{i}"))
            .send()
            .await
            .unwrap();
    }
    let p1 = c
        .get_resources()
        .rest_api_id(&api)
        .limit(4)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.items().len(), 4);
    let p2 = c
        .get_resources()
        .rest_api_id(&api)
        .limit(4)
        .position(p1.position().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.items().len(), 2);
    assert!(p2.position().is_none());
}
