//! Semantic colour roles for every pane, loaded from a TOML theme or the terminal's ANSI palette.
//!
//! Invariant: panes never name a colour, only a role of [`Theme`]; the default theme uses the
//! terminal's own ANSI colours so clab looks native, and NO_COLOR strips every colour (keeping
//! bold/reverse so focus and selection stay visible).
//!
//! A theme file sets roles over the ANSI theme, so a partial file is valid; an unknown key, role,
//! colour or syntax theme is an error naming it, because a typo must not silently fall back to a
//! default. Colour names follow ANSI: "white" is ANSI 7 (light grey) and "bright-white" ANSI 15.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The built-in themes besides "ansi", embedded so they work without any file installed.
const BUILT_IN: [(&str, &str); 3] = [
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub user: Style,
    pub assistant: Style,
    pub code_border: Style,
    pub stdout: Style,
    pub stderr: Style,
    pub exit_ok: Style,
    pub exit_fail: Style,
    pub file: Style,
    pub status_bar: Style,
    pub focus: Style,
    /// The syntect/two-face theme used to highlight code ("ansi" follows the terminal palette,
    /// "none" means no highlighting colours).
    pub syntax: String,
}

/// The TOML layout of a theme file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    syntax: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, String>,
}

impl Theme {
    /// The default: the terminal's ANSI colours.
    pub fn ansi() -> Theme {
        let fg = |c: Color| Style::default().fg(c);
        Theme {
            name: "ansi".to_string(),
            text: Style::default(),
            muted: fg(Color::DarkGray),
            accent: fg(Color::Cyan),
            user: fg(Color::Green).add_modifier(Modifier::BOLD),
            assistant: Style::default(),
            code_border: fg(Color::DarkGray),
            stdout: Style::default(),
            stderr: fg(Color::Red),
            exit_ok: fg(Color::Green),
            exit_fail: fg(Color::Red).add_modifier(Modifier::BOLD),
            file: fg(Color::Yellow),
            status_bar: Style::default().add_modifier(Modifier::REVERSED),
            focus: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            syntax: "ansi".to_string(),
        }
    }

    /// Loads `spec`: "ansi", a built-in theme ("dark", "light", "high-contrast"), or the path of a
    /// TOML theme file.
    pub fn load(spec: &str) -> Result<Theme, String> {
        if spec == "ansi" {
            return Ok(Theme::ansi());
        }
        if let Some((_, text)) = BUILT_IN.iter().find(|(name, _)| *name == spec) {
            return Theme::parse(text, spec);
        }
        let text = std::fs::read_to_string(spec).map_err(|e| {
            format!(
                "theme \"{spec}\" is neither a built-in theme (ansi, dark, light, high-contrast) \
                 nor a readable file: {e}"
            )
        })?;
        Theme::parse(&text, spec)
    }

    /// [`Theme::load`], without colours when NO_COLOR is set and non-empty (<https://no-color.org>).
    pub fn from_env(spec: &str) -> Result<Theme, String> {
        let theme = Theme::load(spec)?;
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ok(if no_colour {
            theme.without_colour()
        } else {
            theme
        })
    }

    /// The theme with every colour removed: styles keep only their modifiers, the status bar is
    /// reversed so it stays visible, and code is not highlighted.
    pub fn without_colour(mut self) -> Theme {
        for (_, style) in self.roles_mut() {
            *style = Style::default()
                .add_modifier(style.add_modifier)
                .remove_modifier(style.sub_modifier);
        }
        self.status_bar = Style::default().add_modifier(Modifier::REVERSED);
        self.syntax = "none".to_string();
        self
    }

    /// Applies the theme file `text` (named `spec` in errors) over the ANSI theme.
    fn parse(text: &str, spec: &str) -> Result<Theme, String> {
        let file: ThemeFile =
            toml::from_str(text).map_err(|e| format!("theme \"{spec}\": {}", e.message()))?;
        let mut theme = Theme::ansi();
        theme.name = file.name.unwrap_or_else(|| spec.to_string());
        if let Some(syntax) = file.syntax {
            check_syntax(&syntax).map_err(|e| format!("theme \"{spec}\": {e}"))?;
            theme.syntax = syntax;
        }
        for (role, value) in &file.roles {
            let Some(slot) = theme.role_mut(role) else {
                let known = Theme::ansi().roles_mut().map(|(name, _)| name).join(", ");
                return Err(format!(
                    "theme \"{spec}\": unknown role \"{role}\" (roles: {known})"
                ));
            };
            let colour = parse_colour(value)
                .map_err(|e| format!("theme \"{spec}\": role \"{role}\": {e}"))?;
            let fg = Style {
                fg: colour,
                ..Style::default()
            };
            *slot = match role.as_str() {
                // The foreground is the text colour, set below once every role is read.
                "status_bar" => Style {
                    bg: colour,
                    ..Style::default()
                },
                "user" | "exit_fail" | "focus" => fg.add_modifier(Modifier::BOLD),
                _ => fg,
            };
        }
        if file.roles.contains_key("status_bar") {
            theme.status_bar.fg = theme.text.fg;
        }
        Ok(theme)
    }

    /// Every role with its name as written in theme files; destructured without `..` so a new
    /// role cannot be forgotten here.
    fn roles_mut(&mut self) -> [(&'static str, &mut Style); 13] {
        let Theme {
            name: _,
            text,
            muted,
            accent,
            user,
            assistant,
            code_border,
            stdout,
            stderr,
            exit_ok,
            exit_fail,
            file,
            status_bar,
            focus,
            syntax: _,
        } = self;
        [
            ("text", text),
            ("muted", muted),
            ("accent", accent),
            ("user", user),
            ("assistant", assistant),
            ("code_border", code_border),
            ("stdout", stdout),
            ("stderr", stderr),
            ("exit_ok", exit_ok),
            ("exit_fail", exit_fail),
            ("file", file),
            ("status_bar", status_bar),
            ("focus", focus),
        ]
    }

    fn role_mut(&mut self, role: &str) -> Option<&mut Style> {
        self.roles_mut()
            .into_iter()
            .find(|(name, _)| *name == role)
            .map(|(_, style)| style)
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::ansi()
    }
}

/// A colour: one of the 16 ANSI names (case-insensitive), "#rrggbb", or "default" (None: the
/// terminal's own colour).
fn parse_colour(value: &str) -> Result<Option<Color>, String> {
    let invalid = || {
        format!(
            "invalid colour \"{value}\" (use an ANSI name such as \"red\" or \"bright-blue\", \
             \"#rrggbb\", or \"default\")"
        )
    };
    if let Some(hex) = value.strip_prefix('#') {
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let rgb = u32::from_str_radix(hex, 16).map_err(|_| invalid())?;
        return Ok(Some(Color::from_u32(rgb)));
    }
    let colour = match value.to_ascii_lowercase().as_str() {
        "default" => return Ok(None),
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "white" | "gray" | "grey" => Color::Gray,
        "bright-black" | "dark-gray" | "dark-grey" => Color::DarkGray,
        "bright-red" => Color::LightRed,
        "bright-green" => Color::LightGreen,
        "bright-yellow" => Color::LightYellow,
        "bright-blue" => Color::LightBlue,
        "bright-magenta" => Color::LightMagenta,
        "bright-cyan" => Color::LightCyan,
        "bright-white" => Color::White,
        _ => return Err(invalid()),
    };
    Ok(Some(colour))
}

/// Accepts "none" or a theme embedded in two-face, so a misspelt name fails at load time rather
/// than when the first code block is drawn.
fn check_syntax(name: &str) -> Result<(), String> {
    let themes = two_face::theme::EmbeddedLazyThemeSet::theme_names();
    if name == "none" || themes.iter().any(|t| t.as_name() == name) {
        return Ok(());
    }
    let known: Vec<&str> = themes.iter().map(|t| t.as_name()).collect();
    Err(format!(
        "unknown syntax theme \"{name}\" (\"none\" or one of: {})",
        known.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const SPECS: [&str; 4] = ["ansi", "dark", "light", "high-contrast"];

    fn all_styles(theme: &Theme) -> Vec<(&'static str, Style)> {
        let mut theme = theme.clone();
        theme
            .roles_mut()
            .into_iter()
            .map(|(name, style)| (name, *style))
            .collect()
    }

    #[test]
    fn every_built_in_theme_loads_and_differs_from_the_others() {
        let themes: Vec<Theme> = SPECS.iter().map(|s| Theme::load(s).unwrap()).collect();
        for (spec, theme) in SPECS.iter().zip(&themes) {
            assert_eq!(theme.name, *spec);
        }
        for (i, a) in themes.iter().enumerate() {
            for b in &themes[i + 1..] {
                assert_ne!(all_styles(a), all_styles(b), "{} vs {}", a.name, b.name);
            }
        }
        let syntax: Vec<&str> = themes.iter().map(|t| t.syntax.as_str()).collect();
        assert_eq!(
            syntax,
            ["ansi", "base16-ocean.dark", "InspiredGitHub", "ansi"]
        );
    }

    #[test]
    fn roles_get_their_semantics() {
        let dark = Theme::load("dark").unwrap();
        assert_eq!(dark.status_bar.bg, Some(Color::Rgb(0x1f, 0x23, 0x35)));
        assert_eq!(dark.status_bar.fg, dark.text.fg);
        assert_eq!(
            dark.accent,
            Style::default().fg(Color::Rgb(0x7a, 0xa2, 0xf7))
        );
        for bold in [dark.focus, dark.exit_fail, dark.user] {
            assert!(bold.add_modifier.contains(Modifier::BOLD));
        }
        assert!(!dark.stderr.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn hex_and_named_colours_parse() {
        assert_eq!(
            parse_colour("#1F2335"),
            Ok(Some(Color::Rgb(0x1f, 0x23, 0x35)))
        );
        assert_eq!(parse_colour("bright-blue"), Ok(Some(Color::LightBlue)));
        assert_eq!(parse_colour("Dark-Gray"), Ok(Some(Color::DarkGray)));
        assert_eq!(parse_colour("white"), Ok(Some(Color::Gray)));
        assert_eq!(parse_colour("bright-white"), Ok(Some(Color::White)));
        assert_eq!(parse_colour("default"), Ok(None));
        let names = [
            "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        ];
        let colours: Vec<Color> = names
            .iter()
            .flat_map(|n| [n.to_string(), format!("bright-{n}")])
            .map(|n| parse_colour(&n).unwrap().unwrap())
            .collect();
        for (i, colour) in colours.iter().enumerate() {
            assert!(!colours[i + 1..].contains(colour), "{colour} named twice");
        }
        for bad in ["#12345", "#12345g", "purple", ""] {
            assert!(parse_colour(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn missing_roles_fall_back_to_the_ansi_theme() {
        let theme = Theme::parse("[roles]\naccent = \"magenta\"", "partial").unwrap();
        assert_eq!(theme.name, "partial");
        assert_eq!(theme.accent, Style::default().fg(Color::Magenta));
        let ansi = Theme::ansi();
        assert_eq!(
            (theme.muted, theme.status_bar),
            (ansi.muted, ansi.status_bar)
        );
        assert_eq!(theme.syntax, "ansi");
    }

    #[test]
    fn a_bad_colour_is_an_error_naming_the_role_and_value() {
        let err = Theme::parse("[roles]\naccent = \"#12345\"", "t").unwrap_err();
        assert!(err.contains("accent") && err.contains("#12345"), "{err}");
    }

    #[test]
    fn unknown_roles_keys_and_syntax_themes_are_errors_naming_them() {
        let err = Theme::parse("[roles]\ntxet = \"red\"", "t").unwrap_err();
        assert!(err.contains("txet"), "{err}");
        let err = Theme::parse("nmae = \"x\"", "t").unwrap_err();
        assert!(err.contains("nmae"), "{err}");
        let err = Theme::parse("syntax = \"base16-ocean\"", "t").unwrap_err();
        assert!(err.contains("base16-ocean"), "{err}");
        assert_eq!(
            Theme::parse("syntax = \"none\"", "t").unwrap().syntax,
            "none"
        );
    }

    #[test]
    fn no_color_removes_every_colour_and_keeps_modifiers() {
        for spec in SPECS {
            let plain = Theme::load(spec).unwrap().without_colour();
            for (role, style) in all_styles(&plain) {
                assert_eq!((style.fg, style.bg), (None, None), "{spec} {role}");
            }
            assert_eq!(
                plain.status_bar,
                Style::default().add_modifier(Modifier::REVERSED)
            );
            assert!(plain.focus.add_modifier.contains(Modifier::BOLD));
            assert_eq!(plain.syntax, "none");
        }
    }

    #[test]
    fn a_theme_file_on_disk_loads() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        write!(
            file,
            "name = \"mine\"\nsyntax = \"Nord\"\n[roles]\nfile = \"#00ff00\"\nstatus_bar = \"blue\""
        )
        .unwrap();
        let path = file.path().to_str().unwrap();
        let theme = Theme::load(path).unwrap();
        assert_eq!(theme.name, "mine");
        assert_eq!(theme.syntax, "Nord");
        assert_eq!(theme.file, Style::default().fg(Color::Rgb(0, 255, 0)));
        assert_eq!(theme.status_bar, Style::default().bg(Color::Blue));
        let missing = format!("{path}.missing");
        assert!(Theme::load(&missing).unwrap_err().contains(&missing));
    }
}
