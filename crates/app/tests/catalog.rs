//! The catalog's lifecycle as an admin and a shopper see it, on both engines: a product is
//! changed, repriced (and Orders charges the new price from then on), drafted, archived and
//! deleted; categories form a tree that listings follow and no move can loop; every bad
//! input is a 4xx problem that changes nothing.

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

/// A product as the API answers it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Product {
    id: Uuid,
    sku: String,
    name: String,
    slug: String,
    status: String,
    description: String,
    category_id: Option<Uuid>,
    attributes: Vec<Attribute>,
    price: Price,
    weight_grams: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Attribute {
    name: String,
    value: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Price {
    amount_minor: i64,
    currency: String,
}

/// A category as the API answers it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Category {
    id: Uuid,
    name: String,
    slug: String,
    parent_id: Option<Uuid>,
    position: i32,
    path: String,
    depth: i32,
}

/// A unit price in cents, named so the numbers below say what they are.
const OLD_PRICE: i64 = 1_000;
const NEW_PRICE: i64 = 1_500;
const STOCK: i64 = 20;

fn product_path(id: Uuid) -> String {
    format!("/api/v1/products/{id}")
}

async fn patch(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    app.request(Method::PATCH, path, token, Some(body)).await
}

async fn product(app: &TestApp, id: Uuid, token: Option<&str>) -> (StatusCode, Option<Product>) {
    let (status, body) = app.get(&product_path(id), token).await;
    (status, (status == StatusCode::OK).then(|| serde_json::from_value(body).expect("a product")))
}

/// The ids on the first page of `GET /products{query}` as `token` sees it.
async fn listed(app: &TestApp, query: &str, token: Option<&str>) -> Vec<Uuid> {
    let (status, body) = app.get(&format!("/api/v1/products?limit=100{query}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().parse().unwrap()).collect()
}

/// Waits until Orders' price list holds `price_minor` for `product` and lets it be sold or not.
async fn orders_follow(app: &TestApp, product: Uuid, price_minor: i64, on_sale: bool) {
    let orders = app.platform().database("orders").expect("orders database").clone();
    app.eventually("Orders' price list follows the catalog", || async {
        let row: Option<(i64, String, i32)> =
            sqlx::query_as("select price_minor, status, deleted from price_list where product_id = $1")
                .bind(product.to_string())
                .fetch_optional(orders.reader())
                .await
                .expect("price list query");
        let (price, status, deleted) = row?;
        (price == price_minor && (status == "active" && deleted == 0) == on_sale).then_some(())
    })
    .await;
}

/// The event types recorded in `product`'s stream, in order.
async fn product_events(app: &TestApp, product: Uuid) -> Vec<String> {
    app.event_types("catalog", &format!("product-{product}")).await
}

on_every_backend!(a_price_change_reaches_orders_and_only_new_orders_pay_it, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let id = app.create_product(&admin, STOCK, OLD_PRICE).await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let (status, before) = app.place_order(&customer, &[(id, 2)], card, "US").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{before}");
    let before_id = before["id"].as_str().unwrap().to_owned();

    let (status, body) = patch(
        &app,
        &product_path(id),
        Some(&admin),
        json!({ "name": "Chef's Knife", "price": { "amount_minor": NEW_PRICE, "currency": "USD" },
                "attributes": [{ "name": "Blade", "value": "20 cm" }] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changed: Product = serde_json::from_value(body).unwrap();
    assert_eq!(changed.name, "Chef's Knife");
    assert_eq!(changed.price, Price { amount_minor: NEW_PRICE, currency: "USD".into() });
    assert_eq!(changed.attributes, [Attribute { name: "Blade".into(), value: "20 cm".into() }]);
    assert_eq!(product(&app, id, None).await.1.as_ref(), Some(&changed), "shoppers see the change at once");
    assert_eq!(product_events(&app, id).await, ["ProductCreated", "ProductUpdated", "ProductPriceChanged"]);

    // Sending the same values again records nothing.
    let (status, _) = patch(
        &app,
        &product_path(id),
        Some(&admin),
        json!({ "price": { "amount_minor": NEW_PRICE, "currency": "USD" } }),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(product_events(&app, id).await.len(), 3, "an unchanged price is not a price change");

    orders_follow(&app, id, NEW_PRICE, true).await;
    let (status, after) = app.place_order(&customer, &[(id, 2)], card, "US").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{after}");
    assert_eq!(after["subtotal"]["amount_minor"], 2 * NEW_PRICE, "{after}");
    assert_eq!(after["lines"][0]["name"], "Chef's Knife", "{after}");
    let settled = app.settled_order(&customer, &before_id).await;
    assert_eq!(settled["subtotal"]["amount_minor"], 2 * OLD_PRICE, "the earlier order keeps its price: {settled}");
});

on_every_backend!(drafts_archived_and_deleted_products_are_not_shown_or_sold, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let card = app.add_card(&customer, "4242424242424242").await;
    let id = app.create_product(&admin, STOCK, OLD_PRICE).await;
    let (status, placed) = app.place_order(&customer, &[(id, 1)], card, "US").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{placed}");
    let order_id = placed["id"].as_str().unwrap().to_owned();
    app.settled_order(&customer, &order_id).await;

    for (status_word, shown_to_shoppers) in [("draft", false), ("active", true), ("archived", false)] {
        let (status, body) = patch(&app, &product_path(id), Some(&admin), json!({ "status": status_word })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], status_word);
        let (anonymous, _) = product(&app, id, None).await;
        let expected = if shown_to_shoppers { StatusCode::OK } else { StatusCode::NOT_FOUND };
        assert_eq!(anonymous, expected, "{status_word}: a shopper's product page");
        assert_eq!(listed(&app, "", Some(&customer)).await.contains(&id), shown_to_shoppers, "{status_word}: listing");
        assert_eq!(product(&app, id, Some(&admin)).await.0, StatusCode::OK, "{status_word}: admins see it");
        assert!(listed(&app, &format!("&status={status_word}"), Some(&admin)).await.contains(&id));
        orders_follow(&app, id, OLD_PRICE, shown_to_shoppers).await;
        let (status, body) = app.place_order(&customer, &[(id, 1)], card, "US").await;
        if shown_to_shoppers {
            assert_eq!(status, StatusCode::ACCEPTED, "{body}");
            app.settled_order(&customer, body["id"].as_str().unwrap()).await;
        } else {
            assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "ordering a product not on sale");
            assert!(body.to_string().contains("not for sale"), "{body}");
        }
    }
    let (status, body) = app.get("/api/v1/products?status=draft", Some(&customer)).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "a shopper listing drafts");

    let (status, body) = app.request(Method::DELETE, &product_path(id), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(product(&app, id, Some(&admin)).await.0, StatusCode::NOT_FOUND, "deleted is gone for admins too");
    assert!(!listed(&app, "", Some(&admin)).await.contains(&id));
    assert!(listed(&app, "&status=deleted", Some(&admin)).await.contains(&id), "admins can list what was deleted");
    let (status, _) = app.request(Method::DELETE, &product_path(id), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "deleting twice is a no-op");
    assert_eq!(product_events(&app, id).await.iter().filter(|e| *e == "ProductDeleted").count(), 1);
    let (status, body) = patch(&app, &product_path(id), Some(&admin), json!({ "name": "Back" })).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "changing a deleted product");

    // The order history keeps the product.
    let (status, order) = app.get(&format!("/api/v1/orders/{order_id}"), Some(&customer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(order["lines"][0]["product_id"], id.to_string(), "{order}");
    let line = app
        .graphql(
            Some(&customer),
            "query($id: UUID!) { order(id: $id) { lines { product { id status } } } }",
            json!({ "id": order_id }),
        )
        .await;
    assert_eq!(line["data"]["order"]["lines"][0]["product"]["id"], id.to_string(), "{line}");
});

on_every_backend!(bad_product_changes_are_refused_and_change_nothing, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let id = app.create_product(&admin, STOCK, OLD_PRICE).await;
    let other = app.create_product(&admin, STOCK, OLD_PRICE).await;
    let created = product(&app, other, None).await.1.unwrap();
    assert_eq!(created.name.to_uppercase(), format!("PRODUCT {}", created.sku), "the SKU is kept in upper case");
    assert_eq!(created.slug, format!("product-{}", created.sku.to_lowercase()), "a slug made from the name");
    let other_slug = created.slug;
    let (_, before) = product(&app, id, Some(&admin)).await;
    let path = product_path(id);
    let unknown = product_path(Uuid::now_v7());

    let cases: Vec<(&str, Option<&str>, Value, StatusCode)> = vec![
        (&path, None, json!({ "name": "x" }), StatusCode::UNAUTHORIZED),
        (&path, Some(&customer), json!({ "name": "x" }), StatusCode::FORBIDDEN),
        (&unknown, Some(&admin), json!({ "name": "x" }), StatusCode::NOT_FOUND),
        (&path, Some(&admin), json!({ "name": " " }), StatusCode::UNPROCESSABLE_ENTITY),
        (
            &path,
            Some(&admin),
            json!({ "price": { "amount_minor": 0, "currency": "USD" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            &path,
            Some(&admin),
            json!({ "price": { "amount_minor": 100, "currency": "dollars" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (&path, Some(&admin), json!({ "weight_grams": -5 }), StatusCode::UNPROCESSABLE_ENTITY),
        (&path, Some(&admin), json!({ "slug": "Not A Slug" }), StatusCode::UNPROCESSABLE_ENTITY),
        // A body that does not fit the request's shape is malformed (400), as on every endpoint.
        (&path, Some(&admin), json!({ "status": "gone" }), StatusCode::BAD_REQUEST),
        (&path, Some(&admin), json!({ "sku": "NEW-SKU" }), StatusCode::BAD_REQUEST),
        (&path, Some(&admin), json!({ "category_id": Uuid::now_v7() }), StatusCode::UNPROCESSABLE_ENTITY),
        (
            &path,
            Some(&admin),
            json!({ "attributes": [{ "name": "", "value": "red" }] }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (&path, Some(&admin), json!({ "name": "Renamed", "slug": other_slug }), StatusCode::CONFLICT),
    ];
    for (path, token, body, expected) in cases {
        let what = format!("PATCH {path} {body}");
        let (status, answer) = patch(&app, path, token, body).await;
        assert_problem(status, &answer, expected, &what);
    }
    let (status, _, body) = app.raw(Method::PATCH, &path, Some(&admin), "{\"name\": ").await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "malformed JSON");
    for (token, expected) in [(None, StatusCode::UNAUTHORIZED), (Some(&customer), StatusCode::FORBIDDEN)] {
        let (status, body) = app.request(Method::DELETE, &path, token.map(String::as_str), None).await;
        assert_problem(status, &body, expected, "DELETE without the admin role");
    }
    let (status, body) = app.request(Method::DELETE, &unknown, Some(&admin), None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "DELETE of an unknown product");

    assert_eq!(product(&app, id, Some(&admin)).await.1, before, "nothing changed");
    assert_eq!(product_events(&app, id).await, ["ProductCreated"]);
    let (status, body) = app
        .post(
            "/api/v1/products",
            Some(&admin),
            json!({ "sku": "SLUG-CLASH", "name": "Clash", "slug": other_slug,
                    "price": { "amount_minor": 100, "currency": "USD" }, "weight_grams": 10 }),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "a new product with a taken slug");
});

async fn add_category(app: &TestApp, admin: &str, slug: &str, parent: Option<Uuid>) -> Category {
    let (status, body) = app
        .post(
            "/api/v1/categories",
            Some(admin),
            json!({ "name": slug.to_uppercase(), "slug": slug, "parent_id": parent }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn categorised_product(app: &TestApp, admin: &str, category: Uuid) -> Uuid {
    let id = app.create_product(admin, STOCK, OLD_PRICE).await;
    let (status, body) = patch(app, &product_path(id), Some(admin), json!({ "category_id": category })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

on_every_backend!(categories_form_a_tree_that_listings_follow_and_no_move_loops, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let kitchen = add_category(&app, &admin, "kitchen", None).await;
    let knives = add_category(&app, &admin, "knives", Some(kitchen.id)).await;
    let chef = add_category(&app, &admin, "chef", Some(knives.id)).await;
    let garden = add_category(&app, &admin, "garden", None).await;
    assert_eq!((chef.path.as_str(), chef.depth, chef.parent_id), ("kitchen/knives/chef", 2, Some(knives.id)));

    let in_kitchen = categorised_product(&app, &admin, kitchen.id).await;
    let in_chef = categorised_product(&app, &admin, chef.id).await;
    let in_garden = categorised_product(&app, &admin, garden.id).await;
    let mut kitchen_products = listed(&app, &format!("&category={}", kitchen.id), None).await;
    kitchen_products.sort();
    let mut expected = vec![in_kitchen, in_chef];
    expected.sort();
    assert_eq!(kitchen_products, expected, "a category lists the products of those below it");
    assert_eq!(listed(&app, &format!("&category={}", garden.id), None).await, [in_garden]);

    let category_path = |id: Uuid| format!("/api/v1/categories/{id}");
    for (moved, parent, what) in [
        (kitchen.id, json!(chef.id), "a category into its grandchild"),
        (kitchen.id, json!(kitchen.id), "a category into itself"),
        (knives.id, json!(Uuid::now_v7()), "a category into one that does not exist"),
    ] {
        let (status, body) = patch(&app, &category_path(moved), Some(&admin), json!({ "parent_id": parent })).await;
        assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, what);
    }
    let (status, body) = patch(&app, &category_path(garden.id), Some(&admin), json!({ "slug": "kitchen" })).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "a slug another category has");
    let (status, body) = patch(&app, &category_path(Uuid::now_v7()), Some(&admin), json!({ "name": "x" })).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "an unknown category");
    let (status, body) = patch(&app, &category_path(garden.id), Some(&admin), json!({ "position": -1 })).await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "a negative position");
    let (status, body) = app
        .post("/api/v1/categories", Some(&admin), json!({ "name": "x", "slug": "x", "parent_id": Uuid::now_v7() }))
        .await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "a new category under one that does not exist");

    // Moving knives (and chef below it) into the garden moves their products' listings too.
    let (status, body) =
        patch(&app, &category_path(knives.id), Some(&admin), json!({ "parent_id": garden.id, "position": 3 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, tree) = app.get("/api/v1/categories", None).await;
    let tree: Vec<Category> = serde_json::from_value(tree["items"].clone()).unwrap();
    let paths: Vec<&str> = tree.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["garden", "garden/knives", "garden/knives/chef", "kitchen"], "tree order: {tree:?}");
    assert_eq!(listed(&app, &format!("&category={}", kitchen.id), None).await, [in_kitchen]);
    assert_eq!(listed(&app, &format!("&category={}", garden.id), None).await.len(), 2);
    // Back to the top.
    let (status, body) = patch(&app, &category_path(knives.id), Some(&admin), json!({ "parent_id": null })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let moved: Category = serde_json::from_value(body).unwrap();
    assert_eq!((moved.path.as_str(), moved.depth, moved.position), ("knives", 0, 3));
    assert_eq!(moved.name, "KNIVES");
    assert_eq!(moved.slug, "knives");
});

on_every_backend!(two_moves_made_at_once_never_make_a_cycle, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    for round in 0..5 {
        let a = add_category(&app, &admin, &format!("a-{round}"), None).await;
        let b = add_category(&app, &admin, &format!("b-{round}"), None).await;
        let (a_path, b_path) = (format!("/api/v1/categories/{}", a.id), format!("/api/v1/categories/{}", b.id));
        let (a_under_b, b_under_a) = tokio::join!(
            patch(&app, &a_path, Some(&admin), json!({ "parent_id": b.id })),
            patch(&app, &b_path, Some(&admin), json!({ "parent_id": a.id })),
        );
        let moved = [a_under_b.0, b_under_a.0].iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(moved, 1, "exactly one move wins: {a_under_b:?} {b_under_a:?}");
        let (_, tree) = app.get("/api/v1/categories", None).await;
        let tree: Vec<Category> = serde_json::from_value(tree["items"].clone()).unwrap();
        let roots = tree.iter().filter(|c| [a.id, b.id].contains(&c.id) && c.parent_id.is_none()).count();
        assert_eq!(roots, 1, "one of the two stays at the top: {tree:?}");
    }
});

on_every_backend!(graphql_changes_products_and_categories_as_rest_does, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let id = app.create_product(&admin, STOCK, OLD_PRICE).await;
    let kitchen = add_category(&app, &admin, "kitchen", None).await;
    let knives = add_category(&app, &admin, "knives", None).await;
    let changed = app
        .graphql(
            Some(&admin),
            "mutation($id: UUID!, $category: UUID!) { updateProduct(id: $id, changes: { description: \"Sharp\", categoryId: $category, status: DRAFT }) { description categoryId status } }",
            json!({ "id": id, "category": kitchen.id }),
        )
        .await;
    assert_eq!(
        changed["data"]["updateProduct"],
        json!({ "description": "Sharp", "categoryId": kitchen.id, "status": "DRAFT" }),
        "{changed}"
    );
    let hidden = app.graphql(None, "query($id: UUID!) { product(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND", "a draft is hidden from shoppers: {hidden}");
    let moved = app
        .graphql(
            Some(&admin),
            "mutation($id: UUID!, $parent: UUID!) { updateCategory(id: $id, changes: { parentId: $parent }) { path depth } }",
            json!({ "id": knives.id, "parent": kitchen.id }),
        )
        .await;
    assert_eq!(moved["data"]["updateCategory"], json!({ "path": "kitchen/knives", "depth": 1 }), "{moved}");
    let looped = app
        .graphql(
            Some(&admin),
            "mutation($id: UUID!, $parent: UUID!) { updateCategory(id: $id, changes: { parentId: $parent }) { path } }",
            json!({ "id": kitchen.id, "parent": knives.id }),
        )
        .await;
    assert_eq!(looped["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{looped}");
    let customer = app.new_customer().await;
    let refused =
        app.graphql(Some(&customer), "mutation($id: UUID!) { deleteProduct(id: $id) }", json!({ "id": id })).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
    let deleted =
        app.graphql(Some(&admin), "mutation($id: UUID!) { deleteProduct(id: $id) }", json!({ "id": id })).await;
    assert_eq!(deleted["data"]["deleteProduct"], id.to_string(), "{deleted}");
    assert_eq!(product(&app, id, Some(&admin)).await.0, StatusCode::NOT_FOUND);
});
