//! The permission picker of the token and app forms: the catalog's points grouped
//! by level, each with its description in the page's language, checked when
//! chosen, and disabled with the reason when the person may not choose it.

use crate::AppState;
use crate::web::i18n::Lang;
use buckle_core::catalog::{Level, Permission};

/// One checkbox.
pub struct PointChoice {
    pub name: String,
    pub description: String,
    pub checked: bool,
    /// Why it cannot be chosen (then it is disabled), if so.
    pub locked: Option<&'static str>,
}

/// The points of one level.
pub struct PointGroup {
    pub legend: &'static str,
    pub hint: &'static str,
    pub points: Vec<PointChoice>,
}

const LEVELS: [(Level, &str, &str); 3] = [
    (
        Level::Account,
        "console.level.account",
        "console.level.account_hint",
    ),
    (
        Level::Workspace,
        "console.level.workspace",
        "console.level.workspace_hint",
    ),
    (
        Level::Organization,
        "console.level.organization",
        "console.level.organization_hint",
    ),
];

/// The catalog grouped by level, `checked` ticked; `lock` says why a point may
/// not be chosen here (`None`: it may).
pub fn groups(
    state: &AppState,
    lang: Lang,
    checked: &[String],
    lock: impl Fn(&Permission) -> Option<&'static str>,
) -> Vec<PointGroup> {
    LEVELS
        .into_iter()
        .map(|(level, legend, hint)| PointGroup {
            legend: lang.t(legend),
            hint: lang.t(hint),
            points: state
                .catalog
                .iter()
                .filter(|p| p.level == level)
                .map(|p| PointChoice {
                    name: p.name.clone(),
                    description: match lang {
                        Lang::ZhCn if !p.description_zh.is_empty() => p.description_zh.clone(),
                        _ => p.description.clone(),
                    },
                    checked: checked.contains(&p.name),
                    locked: lock(p),
                })
                .collect(),
        })
        .filter(|g| !g.points.is_empty())
        .collect()
}
