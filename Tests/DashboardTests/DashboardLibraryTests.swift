import Testing
@testable import Dashboard

/// The dashboard library alone, without HTTP: data is escaped wherever it is interpolated, and the signed-in
/// session's CSRF token reaches the forms only while a page renders for that session.
@Suite struct DashboardLibraryTests {
    @Test func interpolatedDataIsEscapedAndMarkupIsNot() {
        let name = "<b onmouseover=\"alert(1)\">Tom & Jerry's</b>"
        let html: HTML = "<td>\(name)</td>\(HTML(unescaped: "<br>"))"
        #expect(html.description == "<td>&lt;b onmouseover=&quot;alert(1)&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;</td><br>")
    }

    @Test func theCSRFTokenIsInTheFormsOnlyForASignedInSession() {
        #expect(Page.csrfField.description.isEmpty)
        #expect(Page.signOut.description.isEmpty)
        DashboardSigning.$csrfToken.withValue("t0k\"en") {
            #expect(Page.csrfField.description == "<input type=\"hidden\" name=\"csrf_token\" value=\"t0k&quot;en\">")
            #expect(Page.signOut.description.contains("action=\"/dashboard/logout\""))
        }
    }
}
