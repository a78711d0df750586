//! The REST API for records of any object, Twenty-compatible in shape: `/rest/{plural}`,
//! `/rest/{plural}/{id}`, `/rest/batch/{plural}`, `/rest/restore/{plural}/{id}`, and the
//! metadata under `/rest/metadata/*`.

mod access;
mod handlers;
mod links;
mod metadata;
pub mod openapi;
mod shape;

pub use access::RestAccess;
pub(crate) use access::{Authenticated, policy};

use crate::AppState;
use axum::Router;
use axum::routing::{delete, get, patch, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/rest/metadata/objects",
            get(handlers::list_objects).post(metadata::create_object),
        )
        .route(
            "/rest/metadata/objects/{id}",
            get(metadata::show_object)
                .patch(metadata::update_object)
                .delete(metadata::delete_object),
        )
        .route(
            "/rest/metadata/fields",
            get(metadata::list_fields).post(metadata::create_field),
        )
        .route(
            "/rest/metadata/fields/{id}",
            get(metadata::show_field)
                .patch(metadata::update_field)
                .delete(metadata::delete_field),
        )
        .route("/rest/batch/{plural}", post(handlers::create_many))
        .route("/rest/search", get(handlers::search))
        .route("/rest/open-api/core", get(openapi::document))
        .route("/rest/open-api/reference", get(openapi::reference_page))
        .route(
            "/rest/open-api/reference.js",
            get(openapi::reference_script),
        )
        .route("/rest/restore/{plural}/{id}", patch(handlers::restore))
        .route(
            "/rest/{plural}",
            get(handlers::list)
                .post(handlers::create)
                .patch(handlers::update_many)
                .delete(handlers::delete_many),
        )
        .route("/rest/{plural}/groupBy", get(handlers::group_by))
        .route("/rest/{plural}/duplicates", post(handlers::duplicates))
        .route("/rest/{plural}/merge", patch(handlers::merge))
        .route(
            "/rest/{plural}/{id}",
            get(handlers::show)
                .patch(handlers::update)
                .delete(handlers::delete),
        )
        .route("/rest/{plural}/{id}/timeline", get(handlers::timeline))
        .route(
            "/rest/{plural}/{id}/targets",
            get(links::list_targets).post(links::link),
        )
        .route(
            "/rest/{plural}/{id}/targets/{target_object}/{target_id}",
            delete(links::unlink),
        )
        .route("/rest/{plural}/{id}/{kind}", get(links::linked))
}
