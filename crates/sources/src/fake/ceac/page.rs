//! The CEAC status tracker's markup, as the fake serves it: the ASP.NET WebForms page with
//! its hidden inputs, the BotDetect captcha, the error label, the validation summary and the
//! result panel (element ids and field names from reference §1.2 steps 2–7), and the MS AJAX
//! partial-postback "delta" answering `__ASYNCPOST=true`.
//!
//! Not a copy of the live page (no capture exists, reference §5): the ids, names and texts
//! the peers agree on, in a plausible page around them.

use std::fmt::Write;

use super::super::cases::CaseKind;

/// The BotDetect captcha instance id field (its value is the VCID, 32 hex characters).
pub const VCID_FIELD: &str = "LBD_VCID_c_status_ctl00_contentplaceholder1_defaultcaptcha";
const BACK_WORKAROUND_FIELD: &str =
    "LBD_BackWorkaround_c_status_ctl00_contentplaceholder1_defaultcaptcha";
const TOOLKIT_FIELD: &str = "ctl00_ToolkitScriptManager1_HiddenField";
const APPLICATION_INFO_FIELD: &str = "ctl00$ApplicationInfo";
/// The value peers observed for `__VIEWSTATEGENERATOR` (reference §1.2 step 2).
const VIEWSTATE_GENERATOR: &str = "DBF1011F";
/// The AjaxControlToolkit script-combine string three peers hard-code.
const TOOLKIT_VALUE: &str = ";;AjaxControlToolkit, Version=4.1.40412.0, Culture=neutral, \
    PublicKeyToken=28f01b0e84b6d53e:en-US:acfc7575-cdee-46af-964f-5d85d9cdcf92:de1feab2:\
    f9cec9bc:a67c2700:f2c8e708:8613aea7:3202a5a2:ab09e3fe:87104b7c:be6fb298";
const APPLICATION_INFO_VALUE: &str = "G-CS3M0DZ3BF";
const UPDATE_PANEL_ID: &str = "ctl00_ContentPlaceHolder1_UpdatePanel1";
const UPDATE_PANEL_NAME: &str = "ctl00$ContentPlaceHolder1$UpdatePanel1";
const TITLE: &str = "CEAC - Visa Status Check";

/// Every hidden input the page carries, by name: a submit must post all of them back.
pub const HIDDEN_INPUTS: [&str; 10] = [
    "__EVENTTARGET",
    "__EVENTARGUMENT",
    "__LASTFOCUS",
    "__VIEWSTATE",
    "__VIEWSTATEGENERATOR",
    "__VIEWSTATEENCRYPTED",
    VCID_FIELD,
    BACK_WORKAROUND_FIELD,
    TOOLKIT_FIELD,
    APPLICATION_INFO_FIELD,
];

/// The form's visible fields (reference §1.2 step 5).
pub mod field {
    pub const APPLICATION_TYPE: &str = "ctl00$ContentPlaceHolder1$Visa_Application_Type";
    pub const LOCATION: &str = "ctl00$ContentPlaceHolder1$Location_Dropdown";
    pub const CASE_NUMBER: &str = "ctl00$ContentPlaceHolder1$Visa_Case_Number";
    pub const PASSPORT: &str = "ctl00$ContentPlaceHolder1$Passport_Number";
    pub const SURNAME: &str = "ctl00$ContentPlaceHolder1$Surname";
    pub const CAPTCHA: &str = "ctl00$ContentPlaceHolder1$Captcha";
}

/// A handful of the real location list (reference §1.6), sorted by name as CEAC sorts it.
const LOCATIONS: [(&str, &str); 14] = [
    ("BEJ", "CHINA, BEIJING"),
    ("GUZ", "CHINA, GUANGZHOU"),
    ("SHG", "CHINA, SHANGHAI"),
    ("BGT", "COLOMBIA, BOGOTA"),
    ("SDO", "DOMINICAN REPUBLIC, SANTO DOMINGO"),
    ("LND", "ENGLAND, LONDON"),
    ("BMB", "INDIA, MUMBAI"),
    ("NWD", "INDIA, NEW DELHI"),
    ("TKY", "JAPAN, TOKYO"),
    ("CDJ", "MEXICO, CIUDAD JUAREZ"),
    ("MEX", "MEXICO, MEXICO CITY"),
    ("MNL", "PHILIPPINES, MANILA"),
    ("BNK", "THAILAND, BANGKOK"),
    ("HCM", "VIETNAM, HO CHI MINH CITY"),
];

/// Whether the built-in dropdown offers this location code.
pub fn is_listed(code: &str) -> bool {
    LOCATIONS.iter().any(|(c, _)| c.eq_ignore_ascii_case(code))
}

/// What the person typed (echoed back after a submit, as WebForms does; never the captcha).
#[derive(Debug, Clone)]
pub struct Fields {
    pub kind: CaseKind,
    pub location: String,
    pub case_number: String,
    pub passport: String,
    pub surname: String,
}

impl Fields {
    pub fn empty(kind: CaseKind) -> Fields {
        Fields {
            kind,
            location: String::new(),
            case_number: String::new(),
            passport: String::new(),
            surname: String::new(),
        }
    }
}

/// The result panel's six values, already formatted as CEAC shows them.
#[derive(Debug, Clone)]
pub struct ResultPanel {
    pub case_number: String,
    pub app_name: &'static str,
    pub status: String,
    /// `dd-Mon-yyyy`.
    pub created: String,
    pub updated: String,
    pub message: String,
}

/// Everything one rendering of the page needs.
pub struct View<'a> {
    pub fields: &'a Fields,
    /// The freshly issued VIEWSTATE and captcha instance.
    pub viewstate: &'a str,
    pub vcid: &'a str,
    /// `lblError`'s text (empty when there is none).
    pub error: &'a str,
    /// The validation summary's messages.
    pub validation: &'a [&'a str],
    pub result: Option<&'a ResultPanel>,
    /// Location codes to offer besides the built-in handful (those of the NIV cases).
    pub extra_locations: &'a [String],
}

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn hidden(out: &mut String, name: &str, value: &str) {
    let id = name.replace('$', "_");
    let _ = writeln!(
        out,
        r#"<input type="hidden" name="{name}" id="{id}" value="{}" />"#,
        esc(value)
    );
}

fn form_action(kind: CaseKind) -> String {
    format!("./Status.aspx?App={}", kind.as_str())
}

/// The whole page: the status form, with the error, summary or result it carries.
pub fn full_page(view: &View<'_>) -> String {
    let mut p = String::with_capacity(12_000);
    p.push_str(concat!(
        r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">"#,
        "\n",
        r#"<html xmlns="http://www.w3.org/1999/xhtml">"#,
        "\n<head><title>\n\t"
    ));
    p.push_str(TITLE);
    p.push_str(
        "\n</title><meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\" />\n</head>\n<body>\n",
    );
    let _ = writeln!(
        p,
        r#"<form method="post" action="{}" onsubmit="javascript:return WebForm_OnSubmit();" id="aspnetForm">"#,
        esc(&form_action(view.fields.kind))
    );
    p.push_str("<div class=\"aspNetHidden\">\n");
    hidden(&mut p, "__EVENTTARGET", "");
    hidden(&mut p, "__EVENTARGUMENT", "");
    hidden(&mut p, "__LASTFOCUS", "");
    hidden(&mut p, "__VIEWSTATE", view.viewstate);
    p.push_str("</div>\n");
    p.push_str(concat!(
        "<script type=\"text/javascript\">\n//<![CDATA[\n",
        "var theForm = document.forms['aspnetForm'];\n",
        "if (!theForm) { theForm = document.aspnetForm; }\n",
        "function __doPostBack(eventTarget, eventArgument) {\n",
        "    if (!theForm.onsubmit || (theForm.onsubmit() != false)) {\n",
        "        theForm.__EVENTTARGET.value = eventTarget;\n",
        "        theForm.__EVENTARGUMENT.value = eventArgument;\n",
        "        theForm.submit();\n    }\n}\n//]]>\n</script>\n"
    ));
    hidden(&mut p, TOOLKIT_FIELD, TOOLKIT_VALUE);
    p.push_str("<div class=\"aspNetHidden\">\n");
    hidden(&mut p, "__VIEWSTATEGENERATOR", VIEWSTATE_GENERATOR);
    hidden(&mut p, "__VIEWSTATEENCRYPTED", "");
    p.push_str("</div>\n");
    let _ = write!(
        p,
        "<script type=\"text/javascript\">\n//<![CDATA[\n\
         Sys.WebForms.PageRequestManager._initialize('ctl00$ToolkitScriptManager1', 'aspnetForm', \
         ['t{UPDATE_PANEL_NAME}','{UPDATE_PANEL_ID}'], [], [], 90, 'ctl00');\n//]]>\n</script>\n"
    );
    hidden(&mut p, APPLICATION_INFO_FIELD, APPLICATION_INFO_VALUE);
    p.push_str("<div id=\"main\">\n  <h2>Visa Status Check</h2>\n");
    let _ = writeln!(p, "<div id=\"{UPDATE_PANEL_ID}\">");
    p.push_str(&update_panel(view));
    p.push_str("</div>\n</div>\n</form>\n</body>\n</html>\n");
    p
}

/// The inside of `UpdatePanel1`: what a partial postback replaces.
pub fn update_panel(view: &View<'_>) -> String {
    let f = view.fields;
    let mut p = String::with_capacity(8_000);
    p.push_str("\n  <div class=\"field\">\n    <label for=\"ctl00_ContentPlaceHolder1_Visa_Application_Type\">Visa Application Type</label>\n");
    let _ = writeln!(
        p,
        "    <select name=\"{}\" onchange=\"javascript:setTimeout(&#39;__doPostBack(\\&#39;{}\\&#39;,\\&#39;\\&#39;)&#39;, 0)\" id=\"ctl00_ContentPlaceHolder1_Visa_Application_Type\">",
        field::APPLICATION_TYPE,
        field::APPLICATION_TYPE
    );
    for (kind, label) in [
        (CaseKind::Iv, "IMMIGRANT VISA (IV)"),
        (CaseKind::Niv, "NONIMMIGRANT VISA (NIV)"),
    ] {
        let selected = if kind == f.kind {
            " selected=\"selected\""
        } else {
            ""
        };
        let _ = writeln!(
            p,
            "      <option{selected} value=\"{}\">{label}</option>",
            kind.as_str()
        );
    }
    p.push_str("    </select>\n  </div>\n");
    // IV has no location: CEAC hides the field (reference §1.5).
    let shown = if f.kind == CaseKind::Iv {
        " style=\"display:none;\""
    } else {
        ""
    };
    let _ = writeln!(
        p,
        "  <div class=\"field\" id=\"ctl00_ContentPlaceHolder1_divLocation\"{shown}>\n    <label for=\"ctl00_ContentPlaceHolder1_Location_Dropdown\">Location</label>\n    <select name=\"{}\" id=\"ctl00_ContentPlaceHolder1_Location_Dropdown\">\n      <option value=\"\">- SELECT ONE -</option>",
        field::LOCATION
    );
    let extra = view
        .extra_locations
        .iter()
        .map(|c| (c.as_str(), c.as_str()));
    for (code, name) in LOCATIONS.iter().copied().chain(extra) {
        let selected = if code.eq_ignore_ascii_case(&f.location) {
            " selected=\"selected\""
        } else {
            ""
        };
        let _ = writeln!(
            p,
            "      <option{selected} value=\"{}\">{}</option>",
            esc(code),
            esc(name)
        );
    }
    p.push_str("    </select>\n  </div>\n");
    text_input(
        &mut p,
        field::CASE_NUMBER,
        "Application ID or Case Number",
        &f.case_number,
        50,
    );
    text_input(&mut p, field::PASSPORT, "Passport Number", &f.passport, 20);
    text_input(
        &mut p,
        field::SURNAME,
        "First 5 Letters of Surname",
        &f.surname,
        5,
    );
    captcha_block(&mut p, view.vcid);
    let _ = writeln!(
        p,
        "  <span id=\"ctl00_ContentPlaceHolder1_lblError\" class=\"error-message\">{}</span>",
        esc(view.error)
    );
    validation_summary(&mut p, view.validation);
    p.push_str("  <input type=\"submit\" name=\"ctl00$ContentPlaceHolder1$btnSubmit\" value=\"Submit\" onclick=\"javascript:WebForm_DoPostBackWithOptions(new WebForm_PostBackOptions(&quot;ctl00$ContentPlaceHolder1$btnSubmit&quot;, &quot;&quot;, true, &quot;&quot;, &quot;&quot;, false, false))\" id=\"ctl00_ContentPlaceHolder1_btnSubmit\" />\n");
    p.push_str("  <img id=\"ctl00_ContentPlaceHolder1_imgProgress\" src=\"images/loading.gif\" style=\"display:none\" alt=\"\" />\n");
    result_panel(&mut p, view.result);
    p
}

fn text_input(p: &mut String, name: &str, label: &str, value: &str, max: usize) {
    let id = name.replace('$', "_");
    let _ = writeln!(
        p,
        "  <div class=\"field\">\n    <label for=\"{id}\">{label}</label>\n    <input name=\"{name}\" type=\"text\" value=\"{}\" maxlength=\"{max}\" id=\"{id}\" />\n  </div>",
        esc(value)
    );
}

fn captcha_block(p: &mut String, vcid: &str) {
    // Relative and HTML-escaped, as the real page writes it (reference §1.2 step 3).
    let _ = writeln!(
        p,
        "  <div class=\"captcha\">\n    <div class=\"LBD_CaptchaDiv\" id=\"c_status_ctl00_contentplaceholder1_defaultcaptcha_CaptchaDiv\">\n      <img class=\"LBD_CaptchaImage\" id=\"c_status_ctl00_contentplaceholder1_defaultcaptcha_CaptchaImage\" src=\"/CEACStatTracker/BotDetectCaptcha.ashx?get=image&amp;c=c_status_ctl00_contentplaceholder1_defaultcaptcha&amp;t={vcid}\" alt=\"Retype the CAPTCHA code from the image\" />\n    </div>"
    );
    p.push_str("    ");
    hidden(p, VCID_FIELD, vcid);
    p.push_str("    ");
    hidden(p, BACK_WORKAROUND_FIELD, "0");
    let _ = writeln!(
        p,
        "    <label for=\"ctl00_ContentPlaceHolder1_Captcha\">Enter the code shown</label>\n    <input name=\"{}\" type=\"text\" maxlength=\"6\" autocomplete=\"off\" id=\"ctl00_ContentPlaceHolder1_Captcha\" />\n  </div>",
        field::CAPTCHA
    );
}

fn validation_summary(p: &mut String, messages: &[&str]) {
    if messages.is_empty() {
        p.push_str("  <div id=\"ctl00_ContentPlaceHolder1_ValidationSummary1\" style=\"color:Red;display:none;\"></div>\n");
        return;
    }
    p.push_str(
        "  <div id=\"ctl00_ContentPlaceHolder1_ValidationSummary1\" style=\"color:Red;\"><ul>",
    );
    for m in messages {
        let _ = write!(p, "<li>{}</li>", esc(m));
    }
    p.push_str("</ul></div>\n");
}

fn result_panel(p: &mut String, result: Option<&ResultPanel>) {
    const PREFIX: &str = "ctl00_ContentPlaceHolder1_ucApplicationStatusView";
    let display = if result.is_some() { "block" } else { "none" };
    let get = |pick: fn(&ResultPanel) -> &str| result.map(pick).map(esc).unwrap_or_default();
    let _ = write!(
        p,
        "  <div id=\"{PREFIX}_pnlStatus\" class=\"modal-panel\" style=\"display:{display};\">\n\
         \x20   <a id=\"{PREFIX}_lnkCloseInbox\" href=\"javascript:closeStatus();\">Close</a>\n\
         \x20   <table class=\"status-table\">\n\
         \x20     <tr><td colspan=\"2\"><span id=\"{PREFIX}_lblAppName\">{}</span></td></tr>\n\
         \x20     <tr><td>Application ID or Case Number:</td><td><span id=\"{PREFIX}_lblCaseNo\">{}</span></td></tr>\n\
         \x20     <tr><td>Case Created:</td><td><span id=\"{PREFIX}_lblSubmitDate\">{}</span></td></tr>\n\
         \x20     <tr><td>Case Last Updated:</td><td><span id=\"{PREFIX}_lblStatusDate\">{}</span></td></tr>\n\
         \x20     <tr><td colspan=\"2\"><h3><span id=\"{PREFIX}_lblStatus\">{}</span></h3></td></tr>\n\
         \x20     <tr><td colspan=\"2\"><span id=\"{PREFIX}_lblMessage\">{}</span></td></tr>\n\
         \x20   </table>\n  </div>\n",
        get(|r| r.app_name),
        get(|r| &r.case_number),
        get(|r| &r.created),
        get(|r| &r.updated),
        get(|r| &r.status),
        get(|r| &r.message),
    );
}

/// One entry of an MS AJAX delta: `length|type|id|content|`, the length counted in UTF-16
/// units as the browser's script counts it.
fn delta_entry(out: &mut String, kind: &str, id: &str, content: &str) {
    let len = content.encode_utf16().count();
    let _ = write!(out, "{len}|{kind}|{id}|{content}|");
}

/// The answer to an async postback (`__ASYNCPOST=true`): the update panel's new content and
/// the page-level hidden fields (see `crates/core/tests/fixtures/ceac/iv-ready-ajax-delta.txt`).
pub fn delta(view: &View<'_>) -> String {
    let mut d = String::with_capacity(10_000);
    delta_entry(&mut d, "#", "", "4");
    delta_entry(&mut d, "updatePanel", UPDATE_PANEL_ID, &update_panel(view));
    for (name, value) in [
        ("__EVENTTARGET", ""),
        ("__EVENTARGUMENT", ""),
        ("__LASTFOCUS", ""),
        ("__VIEWSTATE", view.viewstate),
        ("__VIEWSTATEGENERATOR", VIEWSTATE_GENERATOR),
        ("__VIEWSTATEENCRYPTED", ""),
    ] {
        delta_entry(&mut d, "hiddenField", name, value);
    }
    let panels = format!("{UPDATE_PANEL_NAME},{UPDATE_PANEL_ID}");
    delta_entry(&mut d, "asyncPostBackControlIDs", "", "");
    delta_entry(&mut d, "postBackControlIDs", "", "");
    delta_entry(&mut d, "updatePanelIDs", "", &format!("t{panels}"));
    delta_entry(&mut d, "childUpdatePanelIDs", "", "");
    delta_entry(&mut d, "panelsToRefreshIDs", "", &panels);
    delta_entry(&mut d, "asyncPostBackTimeout", "", "90");
    delta_entry(&mut d, "formAction", "", &form_action(view.fields.kind));
    delta_entry(&mut d, "pageTitle", "", TITLE);
    d
}

/// An async postback the server refused: MS AJAX's error entry (the browser shows an alert).
pub fn error_delta(message: &str) -> String {
    let mut d = String::new();
    delta_entry(&mut d, "error", "500", message);
    d
}

/// ASP.NET's generic error page with custom errors on (no details for remote clients):
/// what a tampered or incomplete postback gets.
pub fn runtime_error_page() -> String {
    "<!DOCTYPE html>\n<html>\n<head><title>Runtime Error</title></head>\n<body bgcolor=\"white\">\n\
     <span><h1>Server Error in '/CEACStatTracker' Application.<hr width=100% size=1 color=silver></h1>\n\
     <h2> <i>Runtime Error</i> </h2></span>\n\
     <font face=\"Arial, Helvetica, Geneva, SunSans-Regular, sans-serif \">\n\
     <b> Description: </b>An application error occurred on the server. The current custom error \
     settings for this application prevent the details of the application error from being \
     viewed remotely (for security reasons).\n<br><br>\n</font>\n</body>\n</html>\n"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(fields: &'a Fields, result: Option<&'a ResultPanel>) -> View<'a> {
        View {
            fields,
            viewstate: "/wEPDwUKabc",
            vcid: "0123456789abcdef0123456789abcdef",
            error: "",
            validation: &[],
            result,
            extra_locations: &[],
        }
    }

    #[test]
    fn delta_lengths_count_what_follows() {
        let fields = Fields::empty(CaseKind::Iv);
        let mut d = delta(&view(&fields, None));
        // Walk the entries: each length must land exactly on the closing `|`.
        let mut entries = 0;
        while !d.is_empty() {
            let mut parts = d.splitn(4, '|');
            let len: usize = parts.next().and_then(|l| l.parse().ok()).expect("length");
            let (_kind, _id) = (parts.next().expect("type"), parts.next().expect("id"));
            let rest = parts.next().expect("content");
            let content: String = rest.chars().take(len).collect();
            assert_eq!(rest[content.len()..].chars().next(), Some('|'));
            d = rest[content.len() + 1..].to_string();
            entries += 1;
        }
        assert_eq!(entries, 16);
    }

    #[test]
    fn typed_values_are_escaped() {
        let mut fields = Fields::empty(CaseKind::Niv);
        fields.case_number = "\"><script>".to_string();
        let page = full_page(&view(&fields, None));
        assert!(!page.contains("\"><script>"));
        assert!(page.contains("value=\"&quot;&gt;&lt;script&gt;\""));
    }
}
