//! Product pictures as an admin and a shopper meet them, on both engines: an upload is
//! turned upright, stripped of everything but its pixels and served in three sizes with
//! year-long cache headers; galleries keep their order through removals, crashes and
//! restarts; every bad upload is a 4xx problem that changes nothing.

use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Cursor;
use testkit::{Backend, TestApp, assert_problem, on_every_backend};
use uuid::Uuid;

/// Text hidden in an upload's metadata, which must never reach a shopper.
const SECRET: &[u8] = b"GPS 51.5007N 0.1246W home of the photographer";

/// One part of a multipart form.
struct Part {
    name: &'static str,
    content_type: Option<&'static str>,
    bytes: Vec<u8>,
}

fn file(bytes: Vec<u8>) -> Part {
    Part { name: "file", content_type: Some("image/png"), bytes }
}

fn text(name: &'static str, value: &str) -> Part {
    Part { name, content_type: None, bytes: value.as_bytes().to_vec() }
}

const BOUNDARY: &str = "emporium-test-boundary";

/// `parts` as a `multipart/form-data` body with [`BOUNDARY`].
fn form(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let filename = if part.content_type.is_some() { "; filename=\"upload.png\"" } else { "" };
        body.extend_from_slice(
            format!("content-disposition: form-data; name=\"{}\"{filename}\r\n", part.name).as_bytes(),
        );
        if let Some(content_type) = part.content_type {
            body.extend_from_slice(format!("content-type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Sends `body` as `content_type` to a product's gallery as `token`.
async fn send(
    app: &TestApp,
    product: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/products/{product}/images", app.base))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the upload is answered");
    let status = response.status();
    let text = response.text().await.expect("body reads");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn upload(app: &TestApp, product: Uuid, token: Option<&str>, parts: &[Part]) -> (StatusCode, Value) {
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    send(app, &product.to_string(), token, &content_type, form(parts)).await
}

fn encoded(picture: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    picture.write_to(&mut Cursor::new(&mut bytes), format).expect("a test picture encodes");
    bytes
}

/// An opaque `width`×`height` picture, brighter to the right (so a turn shows).
fn photo(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let picture = RgbImage::from_fn(width, height, |x, _| image::Rgb([(x * 255 / width) as u8, 90, 160]));
    encoded(DynamicImage::ImageRgb8(picture), format)
}

/// A `side`-pixel picture whose corners are see-through.
fn cut_out(side: u32) -> Vec<u8> {
    let picture = RgbaImage::from_fn(side, side, |x, y| {
        let corner = (x < side / 4 || x > side * 3 / 4) && (y < side / 4 || y > side * 3 / 4);
        image::Rgba([30, 120, 60, if corner { 0 } else { 255 }])
    });
    encoded(DynamicImage::ImageRgba8(picture), ImageFormat::Png)
}

/// A phone's JPEG: `width`×`height` pixels as stored, with EXIF saying "turn 90° clockwise to
/// view" and more metadata after it.
fn phone_photo(width: u32, height: u32) -> Vec<u8> {
    let jpeg = photo(width, height, ImageFormat::Jpeg);
    // TIFF header (little-endian), one IFD entry: Orientation (0x0112), SHORT, 1, value 6.
    let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0\0\0\0\0".to_vec();
    exif.extend_from_slice(SECRET);
    let length = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
    let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1, length[0], length[1]];
    with_exif.extend_from_slice(&exif);
    with_exif.extend_from_slice(&jpeg[2..]);
    with_exif
}

/// Fetches `url` (an address the API gave) with `headers`.
async fn fetch(app: &TestApp, url: &str, headers: &[(reqwest::header::HeaderName, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}{url}", app.base));
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    request.send().await.expect("the picture is answered")
}

fn url<'a>(image: &'a Value, size: &str) -> &'a str {
    image[format!("{size}_url")].as_str().unwrap_or_else(|| panic!("no {size}_url in {image}"))
}

async fn gallery(app: &TestApp, product: Uuid, token: Option<&str>) -> Vec<Value> {
    let (status, body) = app.get(&format!("/api/v1/products/{product}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["images"].as_array().unwrap().clone()
}

/// The event types recorded in `product`'s stream, in order.
async fn product_events(app: &TestApp, product: Uuid) -> Vec<String> {
    app.event_types("catalog", &format!("product-{product}")).await
}

on_every_backend!(an_upload_is_turned_upright_stripped_and_served_in_three_sizes, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 2_500).await;

    // Stored 1600×900 and meant to be seen turned: upright it is 900×1600.
    let (status, image) =
        upload(&app, product, Some(&admin), &[file(phone_photo(1600, 900)), text("alt", "  The knife, blade up  ")])
            .await;
    assert_eq!(status, StatusCode::CREATED, "{image}");
    assert_eq!((image["width"].as_u64(), image["height"].as_u64()), (Some(675), Some(1200)), "{image}");
    assert_eq!(image["alt"], "The knife, blade up");
    assert_eq!(gallery(&app, product, None).await, vec![image.clone()], "shoppers see it on the product page");
    let (_, listing) = app.get("/api/v1/products?limit=100", None).await;
    let listed = listing["items"].as_array().unwrap().iter().find(|p| p["id"] == product.to_string()).unwrap();
    assert_eq!(listed["images"], json!([image]), "and on the product's card");

    for (size, side) in [("thumb", 160), ("card", 480), ("large", 1200)] {
        let response = fetch(&app, url(&image, size), &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{size}");
        assert_eq!(response.headers()[CONTENT_TYPE], "image/jpeg");
        assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
        let bytes = response.bytes().await.unwrap();
        assert!(!bytes.windows(SECRET.len()).any(|window| window == SECRET), "the {size} size kept the metadata");
        let picture = image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).expect("a JPEG");
        assert_eq!((picture.width(), picture.height()), (side * 9 / 16, side), "{size} is upright and fits {side}");
        // Turned clockwise, the stored picture's bright right edge is now at the bottom.
        let (top, bottom) = (
            picture.to_rgb8().get_pixel(side * 9 / 32, 2).0[0],
            picture.to_rgb8().get_pixel(side * 9 / 32, side - 3).0[0],
        );
        assert!(bottom > top + 100, "{size}: top {top}, bottom {bottom}");

        let again = fetch(&app, url(&image, size), &[(IF_NONE_MATCH, &etag)]).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "a client's current copy is not sent again");
        assert!(again.bytes().await.unwrap().is_empty());
    }

    let answer = app
        .graphql(
            None,
            "query($id: UUID!) { product(id: $id) { images { id alt width height thumbUrl cardUrl largeUrl } } }",
            json!({ "id": product }),
        )
        .await;
    let shown = &answer["data"]["product"]["images"][0];
    assert_eq!(
        (shown["id"].as_str(), shown["largeUrl"].as_str()),
        (image["id"].as_str(), Some(url(&image, "large"))),
        "{answer}"
    );
    assert_eq!(product_events(&app, product).await, ["ProductCreated", "ProductImageAdded"]);
});

on_every_backend!(a_gallery_keeps_its_order_through_removals_crashes_and_restarts, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let product = app.create_product(&admin, 5, 2_500).await;
    let mut added = Vec::new();
    for picture in [cut_out(300), photo(640, 480, ImageFormat::WebP), photo(500, 500, ImageFormat::Gif)] {
        let (status, image) = upload(&app, product, Some(&admin), &[file(picture)]).await;
        assert_eq!(status, StatusCode::CREATED, "{image}");
        added.push(image);
    }
    assert!(url(&added[0], "card").ends_with(".png"), "a see-through picture stays PNG: {}", added[0]);
    let cut = fetch(&app, url(&added[0], "card"), &[]).await;
    assert_eq!(cut.headers()[CONTENT_TYPE], "image/png");
    let pixels = image::load_from_memory(&cut.bytes().await.unwrap()).unwrap().to_rgba8();
    assert_eq!(pixels.get_pixel(0, 0).0[3], 0, "its corners are still see-through");
    assert!(url(&added[1], "card").ends_with(".jpg") && url(&added[2], "card").ends_with(".jpg"));
    assert_eq!(gallery(&app, product, None).await, added, "in the order they were added");

    let first = added[0]["id"].as_str().unwrap();
    let (status, _) =
        app.request(Method::DELETE, &format!("/api/v1/products/{product}/images/{first}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(gallery(&app, product, None).await, added[1..], "the next one is the cover now");
    assert_eq!(
        fetch(&app, url(&added[0], "thumb"), &[]).await.status(),
        StatusCode::OK,
        "pages rendered before still show it"
    );
    let (status, body) =
        app.request(Method::DELETE, &format!("/api/v1/products/{product}/images/{first}"), Some(&admin), None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "removing it again");

    let app = app.crash_and_restart().await;
    assert_eq!(gallery(&app, product, None).await, added[1..], "the gallery outlives a crash");
    for image in &added[1..] {
        assert_eq!(fetch(&app, url(image, "large"), &[]).await.status(), StatusCode::OK);
    }
    let (_, found) = app.get("/api/v1/products?limit=100", None).await;
    let listed = found["items"].as_array().unwrap().iter().find(|p| p["id"] == product.to_string()).unwrap();
    assert_eq!(listed["images"].as_array().unwrap(), &added[1..], "the rebuilt search index has it too");

    // GraphQL removes the same way: admins only, a picture the product has, answering the product.
    const REMOVE: &str = "mutation($product: UUID!, $image: UUID!) {
        removeProductImage(productId: $product, imageId: $image) { id images { id } } }";
    let second = json!({ "product": product, "image": added[1]["id"] });
    let customer = app.new_customer().await;
    let refused = app.graphql(Some(&customer), REMOVE, second.clone()).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
    let unknown = app.graphql(Some(&admin), REMOVE, json!({ "product": product, "image": Uuid::now_v7() })).await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "NOT_FOUND", "{unknown}");
    assert_eq!(gallery(&app, product, None).await, added[1..], "a refused removal changes nothing");
    let removed = app.graphql(Some(&admin), REMOVE, second).await;
    assert_eq!(removed["data"]["removeProductImage"]["images"], json!([{ "id": added[2]["id"] }]), "{removed}");
    assert_eq!(gallery(&app, product, None).await, added[2..]);
});

on_every_backend!(bad_uploads_are_refused_with_a_problem_and_change_nothing, |backend: Backend| async move {
    let app = TestApp::spawn(&backend).await;
    let admin = app.admin_token().await;
    let customer = app.new_customer().await;
    let product = app.create_product(&admin, 5, 2_500).await;
    let good = || file(photo(200, 200, ImageFormat::Png));
    // A GIF whose header claims 65,535 × 65,535 pixels (17 GB decoded) over a few bytes.
    let mut bomb = photo(64, 64, ImageFormat::Gif);
    bomb[6..10].copy_from_slice(&[0xFF; 4]);
    let huge = vec![0_u8; 10 * 1024 * 1024 + 1];
    let long_alt = "a".repeat(201);

    let cases: Vec<(&str, Option<&str>, Vec<Part>, StatusCode)> = vec![
        ("anonymous", None, vec![good()], StatusCode::UNAUTHORIZED),
        ("a customer", Some(&customer), vec![good()], StatusCode::FORBIDDEN),
        ("no file", Some(&admin), vec![text("alt", "nothing")], StatusCode::UNPROCESSABLE_ENTITY),
        (
            "text named .png",
            Some(&admin),
            vec![file(b"not a picture at all".to_vec())],
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "a bitmap",
            Some(&admin),
            vec![file(b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00".to_vec())],
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "a truncated PNG",
            Some(&admin),
            vec![file(photo(200, 200, ImageFormat::Png)[..80].to_vec())],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("a tiny picture", Some(&admin), vec![file(photo(20, 20, ImageFormat::Png))], StatusCode::UNPROCESSABLE_ENTITY),
        ("a decompression bomb", Some(&admin), vec![file(bomb.clone())], StatusCode::UNPROCESSABLE_ENTITY),
        ("a file over 10 MiB", Some(&admin), vec![file(huge)], StatusCode::PAYLOAD_TOO_LARGE),
        ("an unknown field", Some(&admin), vec![good(), text("caption", "hi")], StatusCode::UNPROCESSABLE_ENTITY),
        ("two files", Some(&admin), vec![good(), good()], StatusCode::UNPROCESSABLE_ENTITY),
        ("a long alt", Some(&admin), vec![good(), text("alt", &long_alt)], StatusCode::UNPROCESSABLE_ENTITY),
        (
            "a control character in alt",
            Some(&admin),
            vec![good(), text("alt", "a\u{7}b")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (what, token, parts, expected) in cases {
        let (status, body) = upload(&app, product, token, &parts).await;
        assert_problem(status, &body, expected, what);
    }
    let (_, refused) = upload(&app, product, Some(&admin), &[file(bomb)]).await;
    assert!(refused["detail"].as_str().unwrap().contains("is too large"), "refused before decoding: {refused}");
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    let (status, body) = send(&app, &product.to_string(), Some(&admin), "application/json", b"{}".to_vec()).await;
    assert_problem(status, &body, StatusCode::UNSUPPORTED_MEDIA_TYPE, "a JSON body");
    let (status, body) =
        send(&app, &product.to_string(), Some(&admin), &multipart, b"--other\r\ngarbage".to_vec()).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "a broken form");
    let (status, body) = send(&app, "not-a-product", Some(&admin), &multipart, form(&[good()])).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "a malformed product id");
    let (status, body) = upload(&app, Uuid::now_v7(), Some(&admin), &[good()]).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "an unknown product");
    assert_eq!(product_events(&app, product).await, ["ProductCreated"], "no bad upload recorded anything");
    assert!(gallery(&app, product, Some(&admin)).await.is_empty());

    // Files: an unknown picture, an unknown size or type, a path that tries to leave the store.
    let (status, image) = upload(&app, product, Some(&admin), &[good()]).await;
    assert_eq!(status, StatusCode::CREATED, "{image}");
    let id = image["id"].as_str().unwrap();
    for (path, expected) in [
        (format!("/api/v1/images/{}/card.jpg", Uuid::now_v7()), StatusCode::NOT_FOUND),
        (format!("/api/v1/images/{id}/huge.jpg"), StatusCode::NOT_FOUND),
        (format!("/api/v1/images/{id}/card.png"), StatusCode::NOT_FOUND),
        (format!("/api/v1/images/{id}/card"), StatusCode::NOT_FOUND),
        (format!("/api/v1/images/{id}/..%2F..%2F..%2Fjwt-secret"), StatusCode::NOT_FOUND),
        ("/api/v1/images/not-an-id/card.jpg".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = app.get(&path, None).await;
        assert_problem(status, &body, expected, &path);
    }
    // Removing: only an admin, only a picture of that product.
    let remove = |product: Uuid, image: &str| format!("/api/v1/products/{product}/images/{image}");
    let (status, body) = app.request(Method::DELETE, &remove(product, id), Some(&customer), None).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "a customer removing a picture");
    let (status, body) =
        app.request(Method::DELETE, &remove(product, &Uuid::now_v7().to_string()), Some(&admin), None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "an unknown picture");
    let other = app.create_product(&admin, 5, 2_500).await;
    let (status, body) = app.request(Method::DELETE, &remove(other, id), Some(&admin), None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "another product's picture");

    // A full gallery takes no more; a deleted product takes none.
    for _ in 1..12 {
        let (status, body) = upload(&app, product, Some(&admin), &[file(photo(64, 64, ImageFormat::Png))]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = upload(&app, product, Some(&admin), &[good()]).await;
    assert_problem(status, &body, StatusCode::UNPROCESSABLE_ENTITY, "a thirteenth picture");
    assert_eq!(body["code"], "gallery_full");
    assert_eq!(gallery(&app, product, None).await.len(), 12);
    let (status, _) = app.request(Method::DELETE, &format!("/api/v1/products/{other}"), Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = upload(&app, other, Some(&admin), &[good()]).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "a deleted product");
});
