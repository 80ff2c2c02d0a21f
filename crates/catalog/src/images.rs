//! Slice: an admin adds pictures to a product's gallery and takes them out; anyone fetches
//! them. An upload is decoded and re-encoded ([`crate::pictures`]), its sizes are stored in
//! the blob store, and only then is `ProductImageAdded` recorded: every picture an event
//! names can be served, and a crash between the two leaves unreferenced files, never a
//! broken gallery.

use crate::Catalog;
use crate::events::{CatalogEvent, Product, product_stream};
use crate::pictures::{self, Encoding, MAX_FILE_BYTES, Prepared, Refused, Size};
use crate::update_product::settle;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::views::ProductImage;
use kernel::auth::{Admin, Principal};
use kernel::blobs::BlobKey;
use kernel::error::{ApiError, FieldError, problems};
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, StoreError, retry_on_conflict};
use kernel::http::{Json, Path};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Most pictures one product's gallery holds.
pub(crate) const MAX_IMAGES: usize = 12;
/// Longest alternative text, in characters.
const MAX_ALT_CHARS: usize = 200;
/// Largest upload request: the file and room for the form around it.
const UPLOAD_BODY_LIMIT: usize = MAX_FILE_BYTES + 64 * 1024;
/// Where the API serves pictures (the REST API's prefix included: the address is absolute).
const IMAGES_PATH: &str = "/api/v1/images";
/// Pictures never change under their address: clients may keep them for a year.
const FOREVER: &str = "public, max-age=31536000, immutable";

pub(crate) fn routes() -> OpenApiRouter<Catalog> {
    let upload = OpenApiRouter::new().routes(routes!(add_image)).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT));
    OpenApiRouter::new().merge(upload).routes(routes!(remove_image)).routes(routes!(image_file))
}

/// The API's view of a picture: its size addresses.
pub(crate) fn view(image_id: Uuid, encoding: Encoding, width: u32, height: u32, alt: String) -> ProductImage {
    let url = |size: Size| format!("{IMAGES_PATH}/{image_id}/{}.{}", size.name(), encoding.extension());
    ProductImage {
        id: image_id,
        alt,
        width,
        height,
        thumb_url: url(Size::Thumb),
        card_url: url(Size::Card),
        large_url: url(Size::Large),
    }
}

/// Where one size of a picture is stored.
fn blob_key(image_id: Uuid, size: Size, encoding: Encoding) -> BlobKey {
    BlobKey::new(format!("images/{image_id}/{}.{}", size.name(), encoding.extension()))
        .expect("a uuid, a size name and an extension make a safe key")
}

/// The form of `POST /products/{id}/images`.
#[derive(utoipa::ToSchema)]
struct ImageUpload {
    /// The picture: JPEG, PNG, WebP or GIF, at most 10 MiB and 8,000 pixels on a side, at
    /// least 64.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What it shows, for shoppers who cannot see it (at most 200 characters; none when
    /// the product's name says it).
    #[schema(required = false)]
    alt: String,
}

/// Add a picture to the end of a product's gallery (admin). The file is checked by its
/// content, decoded and encoded again, and served in three sizes.
#[utoipa::path(post, path = "/products/{id}/images", tag = "catalog",
    params(("id" = Uuid, Path, description = "Product id")),
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses((status = 201, description = "Added", body = ProductImage), problems::MalformedRequest,
        problems::NotSignedIn, problems::NotAnAdmin, problems::NotFound, problems::TooLarge,
        problems::UnsupportedMediaType, problems::InvalidRequest))]
async fn add_image(
    State(catalog): State<Catalog>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<ProductImage>), ApiError> {
    let form = form.map_err(|rejection| {
        ApiError::unsupported_media_type(format!("send the picture as multipart/form-data: {}", rejection.body_text()))
    })?;
    // Refused before the upload is read or decoded: no work for a product that cannot take it.
    gallery_with_room(&catalog, id).await?;
    let upload = read_form(form).await?;
    let prepared = prepare(&catalog, upload.file).await?;
    let image = add(&catalog, admin, id, prepared, upload.alt).await?;
    Ok((StatusCode::CREATED, Json(image)))
}

/// Whether product `id` exists, is not deleted and has room in its gallery for one more.
async fn gallery_with_room(catalog: &Catalog, id: Uuid) -> Result<(), ApiError> {
    let product = live_product(&catalog.store.load(&product_stream(id)).await?, id)?;
    if product.images.len() >= MAX_IMAGES {
        return Err(full_gallery());
    }
    Ok(())
}

fn live_product(events: &[kernel::event_store::RecordedEvent], id: Uuid) -> Result<Product, ApiError> {
    match Product::fold(events)? {
        Some(product) if !product.deleted => Ok(product),
        _ => Err(ApiError::not_found(format!("no product {id}"))),
    }
}

fn full_gallery() -> ApiError {
    ApiError::rejected("gallery_full", format!("a product has at most {MAX_IMAGES} pictures; remove one first"))
}

/// The file and the alternative text of an upload form, checked.
async fn read_form(mut form: Multipart) -> Result<ImageUpload, ApiError> {
    let (mut file, mut alt) = (None, None);
    while let Some(field) = form.next_field().await.map_err(unreadable_form)? {
        match field.name() {
            Some("file") if file.is_none() => file = Some(read_file(field).await?),
            Some("alt") if alt.is_none() => alt = Some(field.text().await.map_err(unreadable_form)?),
            Some(name @ ("file" | "alt")) => return Err(field_error(name, "is given more than once")),
            Some(name) => return Err(field_error(name, "is not a field of this form; send file and alt")),
            None => return Err(ApiError::bad_request("every part of the form needs a name")),
        }
    }
    let file = file.ok_or_else(|| field_error("file", "is required"))?;
    let alt = alt.map(|alt| alt.trim().to_owned()).unwrap_or_default();
    if alt.chars().count() > MAX_ALT_CHARS {
        return Err(field_error("alt", &format!("is longer than {MAX_ALT_CHARS} characters")));
    }
    if alt.chars().any(char::is_control) {
        return Err(field_error("alt", "contains control characters"));
    }
    Ok(ImageUpload { file, alt })
}

/// The file part, refused as soon as it grows past [`MAX_FILE_BYTES`].
async fn read_file(mut field: Field<'_>) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(unreadable_form)? {
        if bytes.len() + chunk.len() > MAX_FILE_BYTES {
            return Err(file_too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn file_too_large() -> ApiError {
    ApiError::too_large(format!("the picture is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)))
}

fn unreadable_form(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return file_too_large();
    }
    ApiError::bad_request(format!("the form could not be read: {}", error.body_text()))
}

fn field_error(field: &str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError { field: field.to_owned(), message: message.to_owned() }])
}

/// Decodes and encodes `file` off the async runtime, a few at a time: pictures are CPU work
/// and must not starve the requests around them.
async fn prepare(catalog: &Catalog, file: Vec<u8>) -> Result<Prepared, ApiError> {
    let _turn = catalog.picture_turns.acquire().await.map_err(|closed| ApiError::internal(&closed))?;
    let prepared = tokio::task::spawn_blocking(move || pictures::prepare(&file))
        .await
        .map_err(|failed| ApiError::internal(&failed))?;
    prepared.map_err(|refused| match refused {
        Refused::NotAnImage | Refused::UnsupportedFormat(_) => {
            ApiError::unsupported_media_type(format!("the file {refused}"))
        }
        Refused::Unreadable { .. } | Refused::TooLarge | Refused::TooSmall { .. } => {
            field_error("file", &refused.to_string())
        }
    })
}

/// Stores the sizes of `prepared`, then records the picture at the end of product `id`'s
/// gallery, and answers it once shoppers' reads show it.
#[tracing::instrument(skip_all, fields(product_id = %id))]
async fn add(
    catalog: &Catalog,
    admin: Principal,
    id: Uuid,
    prepared: Prepared,
    alt: String,
) -> Result<ProductImage, ApiError> {
    let image_id = Uuid::now_v7();
    let Prepared { encoding, width, height, sizes } = prepared;
    let stored = sizes
        .into_iter()
        .map(|(size, bytes)| async move { catalog.blobs.put(&blob_key(image_id, size, encoding), bytes).await });
    futures::future::try_join_all(stored).await.map_err(|failed| ApiError::internal(&failed))?;

    let added = CatalogEvent::ProductImageAdded { product_id: id, image_id, encoding, width, height, alt: alt.clone() };
    change_gallery(catalog, admin, id, |product| {
        if product.images.len() >= MAX_IMAGES {
            return Err(full_gallery());
        }
        Ok(added.clone())
    })
    .await?;
    Ok(view(image_id, encoding, width, height, alt))
}

/// Records the change `decide` makes to product `id`'s gallery as it stands (or its refusal),
/// on `admin`'s behalf, deciding again if another write got there first; returns once
/// shoppers' reads show it.
async fn change_gallery(
    catalog: &Catalog,
    admin: Principal,
    id: Uuid,
    decide: impl Fn(&Product) -> Result<CatalogEvent, ApiError>,
) -> Result<(), ApiError> {
    let metadata = Metadata { actor: Some(admin.user_id.to_string()), ..Metadata::default() };
    let position = retry_on_conflict(|| async {
        let mut uow = catalog.store.begin().await?;
        let stream = product_stream(id);
        let decided =
            live_product(&uow.load(&stream).await?, id).and_then(|product| Ok((decide(&product)?, product.version)));
        let (event, version) = match decided {
            Ok(decided) => decided,
            Err(refused) => return Ok(Err(refused)),
        };
        let event = NewEvent::from_domain(&event, &metadata)?;
        let position = uow.append(&stream, ExpectedVersion::Exact(version), &[event]).await?;
        uow.commit().await?;
        Ok::<_, StoreError>(Ok(position))
    })
    .await??;
    settle(catalog, id, position).await;
    Ok(())
}

/// Take a picture out of a product's gallery (admin). Its addresses keep serving it, so
/// pages rendered before do not break.
#[utoipa::path(delete, path = "/products/{id}/images/{image_id}", tag = "catalog",
    params(("id" = Uuid, Path, description = "Product id"), ("image_id" = Uuid, Path, description = "Picture id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), problems::MalformedRequest, problems::NotSignedIn,
        problems::NotAnAdmin, problems::NotFound))]
async fn remove_image(
    State(catalog): State<Catalog>,
    Admin(admin): Admin,
    Path((id, image_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    remove_picture(&catalog, admin, id, image_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take picture `image_id` out of product `id`'s gallery (REST's and GraphQL's removal).
pub(crate) async fn remove_picture(
    catalog: &Catalog,
    admin: Principal,
    id: Uuid,
    image_id: Uuid,
) -> Result<(), ApiError> {
    change_gallery(catalog, admin, id, |product| {
        if !product.images.contains(&image_id) {
            return Err(ApiError::not_found(format!("product {id} has no picture {image_id}")));
        }
        Ok(CatalogEvent::ProductImageRemoved { product_id: id, image_id })
    })
    .await
}

/// One size of a picture (`thumb`, `card` or `large`, with the extension its address
/// gives). Served with a year-long cache lifetime and an `ETag`.
#[utoipa::path(get, path = "/images/{image_id}/{file}", tag = "catalog",
    params(("image_id" = Uuid, Path, description = "Picture id"),
        ("file" = String, Path, description = "Size and extension, as the picture's addresses give them: card.jpg")),
    responses(
        (status = 200, description = "The picture", content(("image/jpeg"), ("image/png"))),
        (status = 304, description = "The client's copy is current"),
        problems::MalformedRequest, problems::NotFound))]
async fn image_file(
    State(catalog): State<Catalog>,
    Path((image_id, file)): Path<(Uuid, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let no_such_file = || ApiError::not_found(format!("picture {image_id} has no file {file}"));
    let (size, encoding) = file
        .split_once('.')
        .and_then(|(size, extension)| Some((Size::named(size)?, Encoding::of_extension(extension)?)))
        .ok_or_else(no_such_file)?;
    let etag = format!("\"{image_id}-{}\"", size.name());
    let caching = [(header::CACHE_CONTROL, FOREVER.to_owned()), (header::ETAG, etag.clone())];
    let current = headers.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok());
    // The tag was ours, and what it names never changes or goes away.
    if current.is_some_and(|tags| tags.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag)) {
        return Ok((StatusCode::NOT_MODIFIED, caching).into_response());
    }
    let bytes = catalog
        .blobs
        .get(&blob_key(image_id, size, encoding))
        .await
        .map_err(|failed| ApiError::internal(&failed))?
        .ok_or_else(no_such_file)?;
    Ok((caching, [(header::CONTENT_TYPE, encoding.media_type().to_owned())], bytes).into_response())
}
