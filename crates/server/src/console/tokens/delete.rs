//! Deleting a token: a page says what will happen, its button does it.

use super::{Kind, token_id};
use crate::AppState;
use crate::console::confirm::{self, Ask, ButtonForm};
use crate::console::context::{Answer, Console, OrRefusal};
use crate::web::Key;

/// `GET .../{token_id}/delete`.
pub async fn confirm(state: &AppState, console: Console, kind: Kind, raw_id: &str) -> Answer {
    kind.check_space(&console)?;
    let id = token_id(raw_id).or_refusal(&console)?;
    let t = kind.get(state, &console, id).await.or_refusal(&console)?;
    let lang = console.lang;
    Ok(confirm::page(
        &console,
        Ask {
            title: Key("tokens.delete_title"),
            section: kind.section(),
            question: lang.fill(
                Key("tokens.delete_question"),
                &[("name", &t.name), ("hint", &t.hint)],
            ),
            warning: Some(lang.t("tokens.delete_warning").to_string()),
            undoable: false,
            button: Key("console.delete"),
            action: format!("{}/{}/delete", kind.base(), t.id),
            back: kind.base().to_string(),
        },
    ))
}

/// `POST .../{token_id}/delete`: the token stops working at once.
pub async fn delete(
    state: &AppState,
    console: Console,
    kind: Kind,
    raw_id: &str,
    form: ButtonForm,
) -> Answer {
    kind.check_space(&console)?;
    console.check_csrf(&form.csrf)?;
    let id = token_id(raw_id).or_refusal(&console)?;
    kind.delete(state, &console, id)
        .await
        .or_refusal(&console)?;
    Ok(console.see_other(kind.base()))
}
