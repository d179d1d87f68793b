/// The OpenAPI 3.1 document of the API, served at `/api/openapi.yaml`; a test keeps its paths equal to the
/// router's routes.
public enum OpenAPIDocument {
    public static let yaml = """
        openapi: 3.1.0
        info:
          title: Depot API
          version: 0.1.0
          description: >-
            Hardware RMA and appliance-fleet tracker. Every /api/v1 route needs `Authorization: Bearer TOKEN`
            (a token from `depot user add`). Instants are ISO 8601 in UTC, dates YYYY-MM-DD. Errors are
            {"error": {"code", "message"}}: 400 invalid (the field named), 401, 403, 404, 409.
        components:
          securitySchemes:
            token: {type: http, scheme: bearer}
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [code, message]
                  properties: {code: {type: string}, message: {type: string}}
            Unit:
              type: object
              required: [serial, model, customer, site, status, warrantyEnd]
              properties:
                serial: {type: string}
                model: {type: string}
                customer: {type: [string, "null"]}
                site: {type: [string, "null"]}
                depot: {type: [string, "null"]}
                status: {type: string}
                shipDate: {type: string, format: date}
                warrantyEnd: {type: string, format: date}
                replaces: {type: [string, "null"]}
                replacedBy: {type: [string, "null"]}
                cases: {type: array, items: {type: string}}
                rmas: {type: array, items: {type: string}}
            NewCase:
              type: object
              required: [customer, contact, type, impact, urgency, title]
              properties:
                customer: {type: string}
                contact: {type: string, format: email}
                type: {enum: [hardware-fault, product-defect, question, custom-development, enhancement]}
                serial: {type: string}
                impact: {enum: [high, medium, low]}
                urgency: {enum: [high, medium, low]}
                title: {type: string}
                description: {type: string}
                priority: {enum: [P1, P2, P3, P4]}
                reason: {type: string}
                softwareVersion: {type: string}
                pin: {type: string, description: "The customer's after-hours PIN, for a premium or premium-plus case opened while its region is closed."}
            Page:
              type: object
              required: [items, next]
              properties:
                items: {type: array}
                next: {type: [integer, "null"]}
          responses:
            Error:
              description: The request failed (422 for an Idempotency-Key sent before with another request); the body says why.
              content: {application/json: {schema: {$ref: "#/components/schemas/Error"}}}
          parameters:
            limit: {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 500, default: 100}}
            offset: {name: offset, in: query, schema: {type: integer, minimum: 0, default: 0}}
            idempotencyKey:
              name: Idempotency-Key
              in: header
              description: >-
                Makes a retry safe: a second request with the same key (per user) gets the first answer again, marked
                Idempotent-Replayed: true, and changes nothing; the same key with a different request is a 422. Answers
                are kept for a day. A request that failed records nothing, so its retry runs again.
              schema: {type: string, minLength: 1, maxLength: 255, pattern: '^[ -~]+$'}
        security:
          - token: []
        paths:
          /healthz:
            get:
              security: []
              responses: {"200": {description: The server and its database answer.}}
          /metrics:
            get:
              security: []
              responses: {"200": {description: Prometheus text format.}}
          /api/openapi.yaml:
            get:
              security: []
              responses: {"200": {description: This document.}}
          /api/v1/units:
            get:
              parameters:
                - {$ref: "#/components/parameters/limit"}
                - {$ref: "#/components/parameters/offset"}
                - {name: serial, in: query, schema: {type: string}, description: 'Any part of a serial, in any letter case.'}
                - {name: customer, in: query, schema: {type: string}}
                - {name: model, in: query, schema: {type: string}}
                - {name: status, in: query, schema: {enum: [in-stock, allocated, in-transit, in-service, suspect, defective, return-in-transit, returned, scrapped, retired]}}
              responses:
                "200": {description: 'A page of units by serial.', content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/units/{serial}:
            get:
              parameters: [{name: serial, in: path, required: true, schema: {type: string}}]
              responses:
                "200": {description: 'The unit.', content: {application/json: {schema: {$ref: "#/components/schemas/Unit"}}}}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/customers:
            get:
              parameters:
                - {$ref: "#/components/parameters/limit"}
                - {$ref: "#/components/parameters/offset"}
              responses:
                "200": {description: 'A page of customers by key, each with its active tier.', content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/customers/{key}:
            get:
              parameters: [{name: key, in: path, required: true, schema: {type: string}}]
              responses:
                "200": {description: 'The customer with sites, contracts, contacts and counts of units, open cases and open RMAs.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/customers/{key}/export:
            get:
              description: 'Everything Depot holds about the customer as one ZIP (JSON and CSV per table, attachments, manifest.json). Admin only.'
              parameters: [{name: key, in: path, required: true, schema: {type: string}}]
              responses:
                "200": {description: 'The ZIP.', content: {application/zip: {schema: {type: string, format: binary}}}}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/customers/{key}/erase-contacts:
            post:
              description: >-
                Replaces the personal data of the customer's contacts (or of one) with stable pseudonyms in the customer's
                own records only (contacts, reported cases' descriptions, whole-word mentions in its free text); nothing of
                another customer changes; hardware history and report figures stay. Cannot be undone: needs "confirm": true.
                Admin only.
              parameters: [{name: key, in: path, required: true, schema: {type: string}}, {$ref: "#/components/parameters/idempotencyKey"}]
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {type: object, required: [confirm], properties: {confirm: {type: boolean}, contact: {type: string}}}
              responses:
                "200": {description: 'The pseudonymous addresses of the erased contacts, how many cells were rewritten, and where (table, column, cells).'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/customers/{key}/pin:
            post:
              description: >-
                Creates the customer's after-hours PIN (8 digits, stored only as a bcrypt hash) and answers it, the only
                time it is shown; a customer with a PIN is a 409 unless rotate is true (the old PIN stops working). Admins
                and account managers. Not replayed for an Idempotency-Key.
              parameters: [{name: key, in: path, required: true, schema: {type: string}}]
              requestBody: {content: {application/json: {schema: {type: object, properties: {rotate: {type: boolean, default: false}}}}}}
              responses:
                "201": {description: 'The PIN: {"customer", "pin"}.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/cases:
            get:
              parameters:
                - {$ref: "#/components/parameters/limit"}
                - {$ref: "#/components/parameters/offset"}
                - {name: customer, in: query, schema: {type: string}}
                - {name: status, in: query, schema: {enum: [open, responded, waiting-on-customer, workaround, resolved, closed]}}
                - {name: priority, in: query, schema: {enum: [P1, P2, P3, P4]}}
                - {name: region, in: query, schema: {type: string}}
                - {name: open, in: query, schema: {type: boolean}}
              responses:
                "200": {description: 'A page of cases, newest first.', content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}
                default: {$ref: "#/components/responses/Error"}
            post:
              parameters: [{$ref: "#/components/parameters/idempotencyKey"}]
              requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/NewCase"}}}}
              responses:
                "201": {description: 'The case number: {"case": "CS-2026-000001"}; for a premium or premium-plus case opened while its region is closed also "afterHours" (a valid PIN: its deadlines run in wall-clock time), "clockNote" (which clock applied and why) and "clocksFrom".'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/cases/{number}:
            get:
              parameters: [{name: number, in: path, required: true, schema: {type: string}}]
              responses:
                "200": {description: 'The case with deadlines, SLA state, escalations and timeline.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/cases/{number}/attachments:
            get:
              parameters: [{name: number, in: path, required: true, schema: {type: string}}]
              responses:
                "200": {description: 'The attachments: id, case, name, mediaType, size, sha256, secure, uploadedAt, uploadedBy.'}
                default: {$ref: "#/components/responses/Error"}
            post:
              description: >-
                The request body is the file (its Content-Type the file's type). Refused with 400, storing nothing: a name
                that is a path or holds a control character, an empty body, a body over attachments.max-megabytes (25 MB).
                A closed case takes none (409). Closing a case deletes its attachments; secure ones are purged after
                attachments.secure-retention-days (90) at the latest.
              parameters:
                - {$ref: "#/components/parameters/idempotencyKey"}
                - {name: number, in: path, required: true, schema: {type: string}}
                - {name: name, in: query, required: true, schema: {type: string}}
                - {name: secure, in: query, schema: {type: boolean, default: false}}
              requestBody: {required: true, content: {application/octet-stream: {schema: {type: string, format: binary}}}}
              responses:
                "201": {description: 'The attachment.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/attachments/{id}:
            get:
              parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
              responses:
                "200": {description: 'The file, as a download (Content-Disposition: attachment).', content: {application/octet-stream: {schema: {type: string, format: binary}}}}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/cases/{number}/{action}:
            post:
              parameters:
                - {$ref: "#/components/parameters/idempotencyKey"}
                - {name: number, in: path, required: true, schema: {type: string}}
                - {name: action, in: path, required: true, schema: {enum: [respond, workaround, wait, resume, resolve, reopen, close]}}
              description: >-
                wait needs a reason (what the case waits for from the customer; the escalation clocks stop, the response
                clock does not); resume moves the pending escalation deadlines by the time waited; close needs confirmedBy.
              requestBody: {content: {application/json: {schema: {type: object, properties: {confirmedBy: {type: string}, reason: {type: string}, note: {type: string}}}}}}
              responses:
                "200": {description: 'The case and its new status: {"case", "status"}.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/cases/{number}/assign:
            post:
              description: >-
                Gives the case to a Depot user who works cases (a support engineer or an admin): 404 for an unknown user,
                409 for another role or a closed case. Giving it to its owner changes nothing ("changed": false).
              parameters:
                - {$ref: "#/components/parameters/idempotencyKey"}
                - {name: number, in: path, required: true, schema: {type: string}}
              requestBody: {required: true, content: {application/json: {schema: {type: object, required: [to], properties: {to: {type: string}}}}}}
              responses:
                "200": {description: 'The assignment: {"case", "owner", "was", "changed"}.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/cases/{number}/take:
            post:
              description: The signed-in user takes a case nobody owns; a case another user owns is 409.
              parameters:
                - {$ref: "#/components/parameters/idempotencyKey"}
                - {name: number, in: path, required: true, schema: {type: string}}
              requestBody: {required: true, content: {application/json: {schema: {type: object}}}}
              responses:
                "200": {description: 'The assignment: {"case", "owner", "was", "changed"}.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/cases/{number}/priority:
            post:
              description: >-
                Changes an unresolved case's priority with a reason; the response deadline (until the first response) and
                the escalations not yet fired are recomputed from the opening under the new priority. A P1 needs a
                designated, certified contact under an active contract (409).
              parameters:
                - {$ref: "#/components/parameters/idempotencyKey"}
                - {name: number, in: path, required: true, schema: {type: string}}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {type: object, required: [priority, reason], properties: {priority: {enum: [P1, P2, P3, P4]}, reason: {type: string, minLength: 1}}}
              responses:
                "200": {description: 'The change: {"case", "was", "priority", "deadlines": [{"case", "deadline", "was", "now"}]}.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/cases/{number}/escalate:
            post:
              description: >-
                Records that a contact of the case's customer asked for an escalation (a closed case excepted) and queues
                the customer-escalation notification for leadership at once.
              parameters:
                - {$ref: "#/components/parameters/idempotencyKey"}
                - {name: number, in: path, required: true, schema: {type: string}}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {type: object, required: [requestedBy, reason], properties: {requestedBy: {type: string}, reason: {type: string, minLength: 1}}}
              responses:
                "201": {description: 'The request as recorded: {"case", "requestedBy", "reason", "at", "recordedBy"}.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/diagnoses:
            post:
              parameters: [{$ref: "#/components/parameters/idempotencyKey"}]
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [serial, case, verdict, note]
                      properties:
                        serial: {type: string}
                        case: {type: string}
                        verdict: {enum: [defective, not-defective, needs-more-info]}
                        note: {type: string}
                        checks: {type: string}
              responses:
                "201": {description: '{"verdict", "rma", "path", "shipBy", "reason", "unitStatus"}.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/rmas:
            get:
              parameters:
                - {$ref: "#/components/parameters/limit"}
                - {$ref: "#/components/parameters/offset"}
                - {name: state, in: query, schema: {type: string}}
                - {name: path, in: query, schema: {enum: [advance-replacement, return-then-replace, sales-referral]}}
                - {name: customer, in: query, schema: {type: string}}
                - {name: open, in: query, schema: {type: boolean}}
                - {name: overdue, in: query, schema: {type: boolean}}
              responses:
                "200": {description: 'A page of RMAs, newest first.', content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/rmas/{number}:
            get:
              parameters: [{name: number, in: path, required: true, schema: {type: string}}]
              responses:
                "200": {description: 'The RMA: rma, path, state, serial, replacementSerial, shipBy, returnDue, overdue, history.'}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/rmas/{number}/label:
            get:
              description: 'The printable shipping label (100 x 150 mm) with the RMA number as a Code 128 barcode.'
              parameters:
                - {name: number, in: path, required: true, schema: {type: string}}
                - {name: direction, in: query, schema: {enum: [replacement, return], default: replacement}}
              responses:
                "200": {description: 'The label.', content: {image/svg+xml: {schema: {type: string}}}}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/rmas/{number}/{action}:
            post:
              parameters:
                - {$ref: "#/components/parameters/idempotencyKey"}
                - {name: number, in: path, required: true, schema: {type: string}}
                - {name: action, in: path, required: true, schema: {enum: [allocate, ship, deliver, return-ship, receive, close, cancel]}}
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        serial: {type: string}
                        carrier: {type: string}
                        tracking: {type: string}
                        outcome: {enum: [purchased, declined]}
                        reason: {type: string}
              responses:
                "200": {description: The RMA after the step.}
                default: {$ref: "#/components/responses/Error"}
          /api/v1/reports/{name}:
            get:
              parameters:
                - {name: name, in: path, required: true, schema: {type: string}, description: 'A report name, optionally with .csv.'}
                - {name: as-of, in: query, schema: {type: string, format: date}}
                - {name: within-days, in: query, schema: {type: integer}}
                - {name: customer, in: query, schema: {type: string}}
                - {name: region, in: query, schema: {type: string}}
                - {name: account-manager, in: query, schema: {type: string}}
                - {name: since, in: query, schema: {type: string, format: date}}
                - {name: engineer, in: query, schema: {type: string}, description: 'The case owner (csat, csat-responses).'}
              responses:
                "200": {description: 'The report as CSV.', content: {text/csv: {}}}
                default: {$ref: "#/components/responses/Error"}
        """
}
