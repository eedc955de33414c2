//! The console's pages. Each page group is one file; every page extracts a
//! [`context::Console`] (signed-in person, space, navigation), calls services and
//! renders a template through `crate::web`.
//!
//! Handlers answer `Result<Response, Response>`: a refusal is itself a page,
//! leaving with `?`. Clippy's large-error lint is about hot paths moving big
//! `Err`s; a page's refusal is built once per request, so it does not apply.
#![allow(clippy::result_large_err)]

pub mod account;
pub mod apps;
pub mod apps_authorize;
pub mod apps_create;
pub mod apps_edit;
pub mod apps_keys;
pub mod apps_samples;
pub mod channels;
pub mod confirm;
pub mod context;
pub mod device_usage;
pub mod home;
pub mod login;
pub mod logout;
pub mod sign_up;
pub mod tokens;
// Organizations, members, workspaces, installations, authorized apps.
pub mod authorized_apps;
pub mod installations;
pub mod invitations;
pub mod members;
pub mod organizations;
pub mod orgs_common;
pub mod permission_picker;
pub mod workspace_moves;
pub mod workspaces;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home::show))
        .routes(routes!(login::show, login::submit))
        .routes(routes!(logout::submit))
        .routes(routes!(sign_up::show, sign_up::submit))
        .routes(routes!(account::show))
        .routes(routes!(account::change_password))
        .merge(token_routes())
        .merge(app_routes())
        .merge(orgs_routes())
        .merge(channel_routes())
        .routes(routes!(device_usage::show))
        .routes(routes!(device_usage::set_quota))
        .routes(routes!(device_usage::clear_quota))
}

/// The publish channel pages.
fn channel_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(channels::show, channels::create))
        .routes(routes!(channels::bind))
        .routes(routes!(channels::unbind))
        .routes(routes!(channels::publish))
        .routes(routes!(channels::unpublish))
        .routes(routes!(channels::delete_confirm, channels::delete))
}

fn token_routes() -> OpenApiRouter<AppState> {
    use tokens::routes::*;
    OpenApiRouter::new()
        .routes(routes!(personal_list))
        .routes(routes!(personal_new, personal_create))
        .routes(routes!(personal_edit, personal_update))
        .routes(routes!(personal_confirm_delete, personal_delete))
        .routes(routes!(personal_access))
        .routes(routes!(service_list))
        .routes(routes!(service_new, service_create))
        .routes(routes!(service_edit, service_update))
        .routes(routes!(service_confirm_delete, service_delete))
}

/// The OAuth app pages.
fn app_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(apps::list, apps_create::create))
        .routes(routes!(apps_create::start, apps_create::basic))
        .routes(routes!(apps_edit::show, apps_edit::update))
        .routes(routes!(apps_edit::enable))
        .routes(routes!(apps_edit::disable_confirm, apps_edit::disable))
        .routes(routes!(apps_edit::delete_confirm, apps_edit::delete))
        .routes(routes!(apps_edit::secret_confirm, apps_edit::reset_secret))
        .routes(routes!(apps_samples::download))
        .routes(routes!(apps_keys::list, apps_keys::add))
        .routes(routes!(apps_keys::delete_confirm, apps_keys::delete))
        .routes(routes!(apps_authorize::authorize))
        .routes(routes!(
            apps_authorize::revoke_confirm,
            apps_authorize::revoke
        ))
}

/// Organizations, members, workspaces, installations, authorized apps.
fn orgs_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(organizations::show, organizations::create))
        .routes(routes!(invitations::accept))
        .routes(routes!(invitations::decline))
        .routes(routes!(members::show, members::invite))
        .routes(routes!(members::set_role))
        .routes(routes!(members::confirm_leave, members::leave))
        .routes(routes!(members::confirm_remove, members::remove))
        .routes(routes!(members::confirm_cancel, members::cancel))
        .routes(routes!(workspaces::show, workspaces::create))
        .routes(routes!(workspaces::members, workspaces::add_member))
        .routes(routes!(workspaces::confirm_remove, workspaces::remove))
        .routes(routes!(workspace_moves::show, workspace_moves::move_into))
        .routes(routes!(installations::show, installations::install))
        .routes(routes!(installations::personal_access))
        .routes(routes!(
            installations::confirm_uninstall,
            installations::uninstall
        ))
        .routes(routes!(authorized_apps::show))
        .routes(routes!(
            authorized_apps::confirm_revoke,
            authorized_apps::revoke
        ))
}
