/// The OpenAPI description of the local API, served at `/api/openapi.yaml` and checked in as
/// `docs/openapi.yaml` (a test keeps the two equal and checks that every route of the router is
/// described here).
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.0.3
info:
  title: Station local API
  version: "1"
  description: |
    The traceability station's local API, served on 127.0.0.1 (web.host / web.port) beside the
    operator's pages. Every /api/ route except POST /api/login needs the operator's credential:
    the session cookie that POST /api/login gives for the station PIN (web.pin), or
    `Authorization: Bearer <token>` with the token from `<data dir>/web.token` (mode 0600).
    Errors are JSON objects `{"error": "..."}` with a 4xx status.
servers:
  - url: http://127.0.0.1:8080
security:
  - session: []
  - token: []
paths:
  /health:
    get:
      summary: Health of the station's parts (no credential needed)
      description: Store writable, disk free, each printer's true status, sync backlog and reach.
      security: []
      responses:
        "200": { description: Usable (status ok or degraded), content: { application/json: { schema: { $ref: "#/components/schemas/Health" } } } }
        "503": { description: Not usable (status fail); reasons says why, content: { application/json: { schema: { $ref: "#/components/schemas/Health" } } } }
  /metrics:
    get:
      summary: Metrics in the Prometheus text format (no credential needed)
      security: []
      responses: { "200": { description: Labels printed, scans, rejects, sync backlog, printer state, content: { text/plain: {} } } }
  /:
    get:
      summary: The operator's page (HTML)
      security: []
      responses: { "200": { description: The page, content: { text/html: {} } } }
  /app.css:
    get:
      summary: The page's stylesheet
      security: []
      responses: { "200": { description: CSS, content: { text/css: {} } } }
  /app.js:
    get:
      summary: The page's script, with its Vietnamese and English texts
      security: []
      responses: { "200": { description: JavaScript, content: { text/javascript: {} } } }
  /api/login:
    post:
      summary: Exchange the station PIN for a session cookie (station_session, HttpOnly, SameSite=Strict)
      security: []
      requestBody:
        required: true
        content: { application/json: { schema: { type: object, required: [pin], properties: { pin: { type: string, example: "246810" } } } } }
      responses:
        "200": { description: Logged in; the cookie is set, content: { application/json: { schema: { $ref: "#/components/schemas/Session" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "429": { description: Five wrong PINs in a row; try again after Retry-After seconds, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/logout:
    post:
      summary: End the session and clear the cookie
      responses:
        "200": { description: Logged out, content: { application/json: { schema: { $ref: "#/components/schemas/Session" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/session:
    get:
      summary: Whether the request carries a valid credential (the page asks before showing the PIN pad)
      responses:
        "200": { description: Valid, content: { application/json: { schema: { $ref: "#/components/schemas/Session" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/status:
    get:
      summary: Station identity, printers and counters
      responses:
        "200": { description: Status, content: { application/json: { schema: { type: object } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/products:
    get:
      summary: Products in the catalog
      responses:
        "200": { description: Products, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Product" } } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
    post:
      summary: Add a product (as `station product add`)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [gtin, name, producer, producerGLN]
              properties:
                gtin: { type: string, example: "8938512345017" }
                name: { type: string, example: "Miến dong Na Rì" }
                producer: { type: string }
                producerGLN: { type: string }
                producerAddress: { type: string }
                template: { type: string, example: mien-dong-50x30 }
                serialFormat: { type: string, enum: [random, sequential] }
                shelfLifeDays: { type: integer }
      responses:
        "201": { description: Added, content: { application/json: { schema: { $ref: "#/components/schemas/Product" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "422": { $ref: "#/components/responses/Invalid" }
  /api/batches:
    get:
      summary: Batches, optionally only open or closed ones
      parameters:
        - { name: status, in: query, schema: { type: string, enum: [open, closed] } }
      responses:
        "200": { description: Batches, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Batch" } } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
    post:
      summary: Create a batch (as `station batch create`)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [gtin, lot, productionDate, plannedQuantity]
              properties:
                gtin: { type: string }
                lot: { type: string, example: MD250314A }
                productionDate: { type: string, format: date }
                expiryDate: { type: string, format: date, description: "default: production date + the product's shelf life" }
                plannedQuantity: { type: integer, minimum: 1 }
      responses:
        "201": { description: Created, content: { application/json: { schema: { $ref: "#/components/schemas/Batch" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
        "422": { $ref: "#/components/responses/Invalid" }
  /api/batches/{id}:
    get:
      summary: One batch by id or lot
      parameters: [{ $ref: "#/components/parameters/BatchRef" }]
      responses:
        "200": { description: The batch, content: { application/json: { schema: { $ref: "#/components/schemas/Batch" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/batches/{id}/close:
    post:
      summary: Close a batch (no more jobs for it)
      parameters: [{ $ref: "#/components/parameters/BatchRef" }]
      responses:
        "200": { description: Closed, content: { application/json: { schema: { $ref: "#/components/schemas/Batch" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/jobs:
    get:
      summary: Print jobs (counts come from the serials' own states)
      parameters:
        - { name: active, in: query, description: "true = only queued, running and paused jobs", schema: { type: boolean } }
      responses:
        "200": { description: Jobs, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Job" } } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
    post:
      summary: Create a print job and start it in the daemon
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [batch, count]
              properties:
                batch: { type: string, description: batch id or lot }
                count: { type: integer, minimum: 1 }
                printer: { type: string, description: "printer name (default: the only one)" }
                operatorID: { type: string }
      responses:
        "201": { description: Created and started, content: { application/json: { schema: { $ref: "#/components/schemas/Job" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
        "422": { $ref: "#/components/responses/Invalid" }
  /api/jobs/{id}:
    get:
      summary: One job, with the serials whose fate the operator must decide
      parameters: [{ $ref: "#/components/parameters/JobID" }]
      responses:
        "200": { description: The job, content: { application/json: { schema: { $ref: "#/components/schemas/Job" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/jobs/{id}/pause:
    post:
      summary: Stop the job after the window it is printing
      parameters: [{ $ref: "#/components/parameters/JobID" }]
      responses:
        "200": { description: Pausing, content: { application/json: { schema: { $ref: "#/components/schemas/Job" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
  /api/jobs/{id}/resume:
    post:
      summary: Resume a paused job exactly where it stopped
      parameters: [{ $ref: "#/components/parameters/JobID" }]
      requestBody:
        content: { application/json: { schema: { type: object, properties: { force: { type: boolean, description: "resume a job paused longer than jobs.expire_hours" } } } } }
      responses:
        "200": { description: Running again, content: { application/json: { schema: { $ref: "#/components/schemas/Job" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
  /api/jobs/{id}/cancel:
    post:
      summary: Cancel a job; a running one finishes its window first; unused serials are voided
      parameters: [{ $ref: "#/components/parameters/JobID" }]
      requestBody:
        content: { application/json: { schema: { type: object, properties: { operatorID: { type: string } } } } }
      responses:
        "200": { description: Cancelled, content: { application/json: { schema: { $ref: "#/components/schemas/Job" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
  /api/jobs/{id}/resolve:
    post:
      summary: Say which uncertain stamps are on paper and which are spoiled
      parameters: [{ $ref: "#/components/parameters/JobID" }]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                printed: { type: array, items: { type: string } }
                voided: { type: array, items: { type: string } }
                allPrinted: { type: boolean }
                allVoid: { type: boolean }
                reason: { type: string }
                operatorID: { type: string }
      responses:
        "200": { description: Resolved, content: { application/json: { schema: { $ref: "#/components/schemas/Job" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
        "422": { $ref: "#/components/responses/Invalid" }
  /api/printers:
    get:
      summary: Every configured printer with the status the printer itself reported
      responses:
        "200": { description: Printers, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Printer" } } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/scanners:
    get:
      summary: Every configured scanner with its mode and the connection state it last reported (unplugged, back, no permission)
      responses:
        "200":
          description: Scanners; the live stream sends the same list as event `scanners` whenever a device scanner's connection changes
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    name: { type: string }
                    source: { type: string, enum: [stdin, hid, hidpos, serial] }
                    mode: { type: string }
                    state: { type: string, enum: [stdin, waiting, connected, disconnected, permission_denied, busy, unusable, stopped] }
                    message: { type: string, description: Vietnamese }
                    detail: { type: string, description: English }
                    since: { type: string, nullable: true }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/scans:
    get:
      summary: Recent scans with the station's verdict, oldest first
      parameters:
        - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 500, default: 50 } }
        - { name: after, in: query, description: only scans with a larger id, schema: { type: integer } }
      responses:
        "200": { description: Scans, content: { application/json: { schema: { type: array, items: { $ref: "#/components/schemas/Scan" } } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/stamps/void:
    post:
      summary: Void a stamp with a reason (decommissioning event)
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/StampAction" } } } }
      responses:
        "200": { description: Voided, content: { application/json: { schema: { $ref: "#/components/schemas/StampAnswer" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
        "422": { $ref: "#/components/responses/Invalid" }
  /api/stamps/reprint:
    post:
      summary: Reprint a printed stamp (same serial, a reprint event, limited per stamp) on a printer
      requestBody: { required: true, content: { application/json: { schema: { $ref: "#/components/schemas/StampAction" } } } }
      responses:
        "200": { description: Recorded and printed, content: { application/json: { schema: { $ref: "#/components/schemas/StampAnswer" } } } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
        "422": { $ref: "#/components/responses/Invalid" }
        "502": { description: Recorded, but the printer failed, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  /api/labels/preview:
    get:
      summary: PNG of exactly what a raster label puts on paper
      parameters:
        - { name: batch, in: query, required: true, description: batch id or lot, schema: { type: string } }
        - { name: product, in: query, description: GTIN when the lot is not unique, schema: { type: string } }
        - { name: serial, in: query, description: "default: XEMTRUOC01, never issued", schema: { type: string } }
        - { name: dpi, in: query, schema: { type: integer, enum: [203, 300, 600] } }
      responses:
        "200": { description: The label, content: { image/png: {} } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "404": { $ref: "#/components/responses/NotFound" }
        "422": { $ref: "#/components/responses/Invalid" }
  /api/inspect/photo:
    post:
      summary: Verify the stamps in an inspector's photo (decoded in an isolated process; one inspecting event per stamp)
      requestBody:
        required: true
        content:
          image/jpeg: { schema: { type: string, format: binary } }
          image/png: { schema: { type: string, format: binary } }
      responses:
        "200": { description: Codes found and their verdicts, content: { application/json: { schema: { $ref: "#/components/schemas/PhotoReport" } } } }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "413": { description: Larger than 25 MB, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
        "422": { description: Not a readable JPEG or PNG, content: { application/json: { schema: { $ref: "#/components/schemas/PhotoReport" } } } }
  /api/sync:
    get:
      summary: Sync with the provincial trace-server (backlog, last success, last error)
      responses:
        "200":
          description: Sync status
          content:
            application/json:
              schema:
                type: object
                properties:
                  server: { type: string }
                  online: { type: boolean }
                  status:
                    type: object
                    properties:
                      cursor: { type: integer }
                      lastSequence: { type: integer }
                      backlog: { type: integer }
                      lastSuccess: { type: string, nullable: true }
                      lastAttempt: { type: string, nullable: true }
                      lastError: { type: string, nullable: true }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/events/stream:
    get:
      summary: Live updates as server-sent events (job, printer, scan); data is the JSON of Job, Printer or Scan
      parameters:
        - { name: limit, in: query, description: end the stream after this many events, schema: { type: integer } }
      responses:
        "200": { description: "text/event-stream: `event: job|printer|scan` and `data: {...}`", content: { text/event-stream: {} } }
        "401": { $ref: "#/components/responses/Unauthorized" }
  /api/openapi.yaml:
    get:
      summary: This document
      responses:
        "200": { description: OpenAPI 3 document, content: { application/yaml: {} } }
        "401": { $ref: "#/components/responses/Unauthorized" }
components:
  securitySchemes:
    session: { type: apiKey, in: cookie, name: station_session }
    token: { type: http, scheme: bearer }
  parameters:
    JobID: { name: id, in: path, required: true, schema: { type: integer } }
    BatchRef: { name: id, in: path, required: true, description: batch id or lot, schema: { type: string } }
  responses:
    Unauthorized: { description: No valid PIN session or token, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    BadRequest: { description: Malformed request, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    NotFound: { description: No such product, batch, job or serial, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    Conflict: { description: Not possible in the current state, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    Invalid: { description: Values the station cannot accept, content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
  schemas:
    Error:
      type: object
      properties: { error: { type: string } }
    Health:
      type: object
      properties:
        status: { type: string, enum: [ok, degraded, fail] }
        station: { type: string }
        uptimeSeconds: { type: integer }
        reasons: { type: array, items: { type: string } }
        storeWritable: { type: boolean }
        heldScans: { type: integer, description: "scans received while the store refused writes, held in memory until recorded" }
        diskFreeBytes: { type: integer }
        printers: { type: array, items: { type: object, properties: { name: { type: string }, condition: { type: string }, text: { type: string } } } }
        sync: { type: object, properties: { configured: { type: boolean }, reachable: { type: boolean }, backlog: { type: integer }, lastSuccess: { type: string }, lastError: { type: string } } }
    Session:
      type: object
      properties: { authenticated: { type: boolean }, station: { type: string }, stationName: { type: string } }
    Product:
      type: object
      properties:
        gtin: { type: string }
        name: { type: string }
        producer: { type: string }
        producerAddress: { type: string }
        producerGLN: { type: string }
        template: { type: string }
        serialFormat: { type: string }
        shelfLifeDays: { type: integer, nullable: true }
    Batch:
      type: object
      properties:
        id: { type: integer }
        gtin: { type: string }
        lot: { type: string }
        productionDate: { type: string }
        expiryDate: { type: string, nullable: true }
        plannedQuantity: { type: integer }
        status: { type: string, enum: [open, closed] }
        createdAt: { type: string }
        closedAt: { type: string, nullable: true }
    Job:
      type: object
      properties:
        id: { type: integer }
        batchID: { type: integer }
        lot: { type: string }
        product: { type: string }
        printer: { type: string }
        requested: { type: integer }
        printed: { type: integer, description: commissioned stamps }
        voided: { type: integer }
        uncertain: { type: integer, description: sent while the printer failed; the operator must resolve them }
        state: { type: string, enum: [queued, running, paused, completed, cancelled] }
        pauseReason: { type: string, nullable: true }
        operatorID: { type: string, nullable: true }
        progress: { type: number, minimum: 0, maximum: 1 }
        createdAt: { type: string }
        updatedAt: { type: string }
        uncertainSerials: { type: array, items: { type: string } }
        verification:
          type: object
          nullable: true
          description: Print-and-verify (printers.NAME.verifier set) — every stamp read back; a failed one is voided and printed again
          properties:
            checked: { type: integer }
            passed: { type: integer }
            noRead: { type: integer }
            mismatch: { type: integer }
    Printer:
      type: object
      properties:
        name: { type: string }
        driver: { type: string, enum: [virtual, tcp, usb, file] }
        language: { type: string, enum: [zpl, escpos] }
        dpi: { type: integer }
        condition: { type: string, enum: [ready, paper_out, ribbon_out, head_open, paused, offline, buffer_full, unknown, not_responding, hardware_error] }
        conditionText: { type: string, description: Vietnamese }
        detail: { type: string }
        faults: { type: array, items: { type: string } }
        warnings: { type: array, items: { type: string } }
        labelsRemaining: { type: integer, nullable: true }
        job: { type: integer, nullable: true, description: the job printing on it now }
        checkedAt: { type: string }
    Scan:
      type: object
      properties:
        id: { type: integer }
        receivedAt: { type: string }
        scanner: { type: string }
        text: { type: string }
        kind: { type: string, enum: [digital_link, element_string, gtin, text, unreadable] }
        outcome: { type: string, enum: [accepted, flagged, rejected, duplicate, pending] }
        message: { type: string, description: Vietnamese }
    StampAction:
      type: object
      required: [gtin, serial, reason]
      properties:
        gtin: { type: string }
        serial: { type: string }
        reason: { type: string }
        printer: { type: string, description: "reprint only; default: the only printer" }
        operatorID: { type: string }
    StampAnswer:
      type: object
      properties:
        serial: { type: string }
        eventID: { type: string }
        sequence: { type: integer }
        printedOn: { type: string, nullable: true }
    Verdict:
      type: object
      properties:
        kind: { type: string, enum: [genuine, unknown, forged, void, recalled, suspicious, not_a_stamp, not_activated] }
        message: { type: string, description: Vietnamese }
        reason: { type: string, description: English }
        gtin: { type: string }
        serial: { type: string }
        lot: { type: string }
        expiry: { type: string }
        productName: { type: string }
        producer: { type: string }
        scanCount: { type: integer }
        offline: { type: boolean }
        history:
          type: array
          description: What this station recorded about the stamp, oldest first (a recall of its lot last)
          items:
            type: object
            properties:
              eventTime: { type: string }
              bizStep: { type: string, nullable: true }
              disposition: { type: string, nullable: true }
              reason: { type: string, nullable: true }
              reprint: { type: boolean }
    PhotoReport:
      type: object
      properties:
        codes:
          type: array
          items:
            type: object
            properties:
              symbology: { type: string }
              text: { type: string, nullable: true }
              verdict: { $ref: "#/components/schemas/Verdict" }
              eventID: { type: string, nullable: true }
              server:
                type: object
                nullable: true
                description: The trace-server's verdict (server.url set and the server answered); it decides over the station's own
                properties:
                  verdict: { type: string, enum: [genuine, unknown, forged, void, recalled, suspicious, not_a_stamp, not_activated] }
                  message: { type: string, description: Vietnamese }
                  reason: { type: string, description: English }
                  lot: { type: string, nullable: true }
                  scanCount: { type: integer }
                  history: { type: array, items: { type: object } }
                  warnings: { type: array, items: { type: object, properties: { code: { type: string }, message: { type: string } } } }
              serverNote: { type: string, nullable: true, description: Why a configured server gave no verdict (unreachable, error) }
        notes:
          type: array
          items: { type: object, properties: { kind: { type: string }, vietnamese: { type: string }, english: { type: string } } }
        milliseconds: { type: integer, nullable: true }
        error:
          type: object
          nullable: true
          properties: { kind: { type: string }, message: { type: string }, vietnamese: { type: string } }

"""#
}
