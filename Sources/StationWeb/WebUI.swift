import Hummingbird
import NIOCore
import Station

/// The operator's pages: one HTML page, its stylesheet and its script, compiled into the binary
/// (no files to install, no network at run time). Texts are in `WebAssets.strings` for both languages.
enum WebUI {
    static func add(to router: Router<BasicRequestContext>, core: StationCore) {
        let title = escapeHTML("Trạm truy xuất nguồn gốc — \(core.config.stationName)")
        let page = WebAssets.html.replacingOccurrences(of: "{{title}}", with: title)
        router.get("/") { _, _ in asset(page, type: "text/html; charset=utf-8") }
        router.get("/app.css") { _, _ in asset(WebAssets.css, type: "text/css; charset=utf-8") }
        router.get("/app.js") { _, _ in asset(WebAssets.strings + WebAssets.script, type: "text/javascript; charset=utf-8") }
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        // The page loads only its own script and style, and images from the station itself.
        headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
