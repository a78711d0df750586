//! The REST API for records of any object, Twenty-compatible in shape: `/rest/{plural}`,
//! `/rest/{plural}/{id}`, `/rest/batch/{plural}`, `/rest/restore/{plural}/{id}`, and the
//! metadata under `/rest/metadata/*`.

mod access;
mod export;
pub(crate) mod favorites;
pub(crate) mod handlers;
mod import_command;
pub(crate) mod imports;
mod links;
mod live;
mod metadata;
pub mod openapi;
pub(crate) mod shape;
mod views;
mod xlsx;

pub use access::RestAccess;
pub(crate) use access::{Authenticated, bearer, policy};
pub use export::{ExportError, ExportParams, export_with_token};
pub use import_command::{ImportCommandError, ImportOptions, import_with_token, undo_with_token};

use crate::http::routes::Routes;

pub fn routes() -> Routes {
    const OBJECT: &str = "/rest/metadata/objects/{id}";
    const FIELD: &str = "/rest/metadata/fields/{id}";
    const VIEW: &str = "/rest/metadata/views/{id}";
    const FAVORITE: &str = "/rest/metadata/favorites/{id}";
    const RECORDS: &str = "/rest/{plural}";
    const RECORD: &str = "/rest/{plural}/{id}";
    const TARGETS: &str = "/rest/{plural}/{id}/targets";
    const IMPORTS: &str = "/rest/{plural}/imports";
    const IMPORT: &str = "/rest/{plural}/imports/{import_id}";
    Routes::default()
        .get("/rest/metadata/objects", handlers::list_objects)
        .post("/rest/metadata/objects", metadata::create_object)
        .get(OBJECT, metadata::show_object)
        .patch(OBJECT, metadata::update_object)
        .delete(OBJECT, metadata::delete_object)
        .get("/rest/metadata/fields", metadata::list_fields)
        .post("/rest/metadata/fields", metadata::create_field)
        .get(FIELD, metadata::show_field)
        .patch(FIELD, metadata::update_field)
        .delete(FIELD, metadata::delete_field)
        .get("/rest/metadata/views", views::list)
        .post("/rest/metadata/views", views::create)
        .get(VIEW, views::show)
        .patch(VIEW, views::update)
        .delete(VIEW, views::delete)
        .get("/rest/metadata/favorites", favorites::list)
        .post("/rest/metadata/favorites", favorites::create)
        .patch(FAVORITE, favorites::update)
        .delete(FAVORITE, favorites::delete)
        .post("/rest/batch/{plural}", handlers::create_many)
        .get("/rest/search", handlers::search)
        .get("/rest/live", live::live)
        .get("/rest/open-api/core", openapi::document)
        .get("/rest/open-api/reference", openapi::reference_page)
        .get("/rest/open-api/reference.js", openapi::reference_script)
        .patch("/rest/restore/{plural}/{id}", handlers::restore)
        .get(RECORDS, handlers::list)
        .post(RECORDS, handlers::create)
        .patch(RECORDS, handlers::update_many)
        .delete(RECORDS, handlers::delete_many)
        .get("/rest/{plural}/groupBy", handlers::group_by)
        .get("/rest/{plural}/export", export::export)
        .get(IMPORTS, imports::list)
        .post(IMPORTS, imports::upload)
        .get(IMPORT, imports::show)
        .post("/rest/{plural}/imports/{import_id}/run", imports::run)
        .post("/rest/{plural}/imports/{import_id}/cancel", imports::cancel)
        .post("/rest/{plural}/imports/{import_id}/undo", imports::undo)
        .get("/rest/{plural}/imports/{import_id}/rows", imports::rows)
        .get(
            "/rest/{plural}/imports/{import_id}/rejected",
            imports::rejected,
        )
        .post("/rest/{plural}/duplicates", handlers::duplicates)
        .patch("/rest/{plural}/merge", handlers::merge)
        .get(RECORD, handlers::show)
        .patch(RECORD, handlers::update)
        .delete(RECORD, handlers::delete)
        .get("/rest/{plural}/{id}/timeline", handlers::timeline)
        .get(TARGETS, links::list_targets)
        .post(TARGETS, links::link)
        .delete(
            "/rest/{plural}/{id}/targets/{target_object}/{target_id}",
            links::unlink,
        )
        .get("/rest/{plural}/{id}/{kind}", links::linked)
}
