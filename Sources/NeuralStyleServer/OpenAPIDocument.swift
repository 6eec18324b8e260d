/// The OpenAPI 3.1 description of the API, served at `/openapi.json`.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "neural-style serve",
        "version": "1",
        "description": "Paint a photo in the style of a painting on this machine: upload pictures, start a job, follow it, fetch the result. With --token, every /api request needs `Authorization: Bearer TOKEN` or `?token=TOKEN`. Errors are {\"error\": {\"status\", \"message\"}}."
      },
      "paths": {
        "/api/health": {"get": {"summary": "Whether the server answers", "responses": {"200": {"description": "{\"status\": \"ok\"}"}}}},
        "/api/models": {"get": {"summary": "The models and the Gatys defaults", "responses": {"200": {"description": "Models", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelList"}}}}}}},
        "/api/models/{name}/styles/{index}/thumbnail": {"get": {
          "summary": "A small photo painted in style `index` of model `name`",
          "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}},
                         {"name": "index", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}}],
          "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/uploads": {"post": {
          "summary": "Upload a picture (the raw bytes of a PNG, JPEG or WebP)",
          "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
          "responses": {"201": {"description": "Stored", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
                        "400": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
                        "415": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
        "/api/jobs": {
          "get": {"summary": "Every job", "responses": {"200": {"description": "Jobs", "content": {"application/json": {"schema": {"type": "object", "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}}}}}},
          "post": {"summary": "Start a job (it queues until the machine has room)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobRequest"}}}},
            "responses": {"202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                          "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
                          "413": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}}},
        "/api/jobs/{id}": {
          "parameters": [{"$ref": "#/components/parameters/JobID"}],
          "get": {"summary": "A job", "responses": {"200": {"description": "Job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}, "404": {"$ref": "#/components/responses/Error"}}},
          "delete": {"summary": "Cancel a queued or running job; delete a finished one", "responses": {"200": {"description": "Job", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/jobs/{id}/events": {
          "parameters": [{"$ref": "#/components/parameters/JobID"}],
          "get": {"summary": "Server-sent events: `job` (a Job, first and on each change), `progress` (a Progress), `preview` ({iteration, url}), `end` (the final Job; the stream then closes)",
            "responses": {"200": {"description": "Event stream", "content": {"text/event-stream": {}}}, "404": {"$ref": "#/components/responses/Error"}}}},
        "/api/jobs/{id}/result": {
          "parameters": [{"$ref": "#/components/parameters/JobID"}],
          "get": {"summary": "The painted picture", "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
        "/api/jobs/{id}/preview": {
          "parameters": [{"$ref": "#/components/parameters/JobID"}],
          "get": {"summary": "The latest picture of a running Gatys job", "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}, "404": {"$ref": "#/components/responses/Error"}}}}
      },
      "components": {
        "parameters": {"JobID": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}},
        "responses": {"Error": {"description": "One line saying what went wrong", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["status", "message"], "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}},
          "Upload": {"type": "object", "required": ["id", "width", "height", "bytes"], "properties": {"id": {"type": "string", "pattern": "^[0-9a-f]{32}$"}, "width": {"type": "integer"}, "height": {"type": "integer"}, "bytes": {"type": "integer"}}},
          "Model": {"type": "object", "required": ["name", "kind", "styles", "takesStyleImage", "defaults"], "properties": {
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["transformer", "multi-style", "magenta-multistyle", "magenta-arbitrary", "adain"]},
            "styles": {"type": "array", "items": {"type": "string"}, "description": "Style names, by index, of a model that knows its styles"},
            "takesStyleImage": {"type": "boolean", "description": "The user brings the painting"},
            "defaults": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "size: stylize's longest side (0: the photo's own)"}}},
          "ModelList": {"type": "object", "required": ["models", "gatys"], "properties": {"models": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}}, "gatys": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "size, iterations, styleWeight, contentWeight, previewEvery"}}},
          "JobRequest": {"type": "object", "required": ["method", "content"], "properties": {
            "method": {"type": "string", "enum": ["stylize", "gatys"]},
            "content": {"type": "string", "description": "Upload id of the photo"},
            "model": {"type": "string", "description": "stylize: the model's name"},
            "styleIndex": {"type": "integer", "minimum": 0}, "styleMix": {"type": "string", "examples": ["3:0.5,12:0.5"]},
            "style": {"type": "string", "description": "Upload id of the painting (gatys; models that take a style picture)"},
            "strength": {"type": "number", "minimum": 0, "maximum": 1}, "alpha": {"type": "number", "minimum": 0, "maximum": 1},
            "preserveColors": {"type": "boolean"},
            "size": {"type": "integer", "minimum": 0, "maximum": 8192, "description": "Longest side of the result (stylize: 0 = the photo's own)"},
            "iterations": {"type": "integer", "minimum": 1, "maximum": 10000}, "styleWeight": {"type": "number", "minimum": 0},
            "contentWeight": {"type": "number", "minimum": 0}, "previewEvery": {"type": "integer", "minimum": 0, "maximum": 10000}}},
          "Progress": {"type": "object", "properties": {"iteration": {"type": "integer"}, "iterations": {"type": "integer"}, "total": {"type": "number"}, "content": {"type": "number"}, "style": {"type": "number"}, "tv": {"type": "number"}, "etaSeconds": {"type": "number"}}},
          "Job": {"type": "object", "required": ["id", "method", "status", "created", "losses"], "properties": {
            "id": {"type": "string"}, "method": {"type": "string", "enum": ["stylize", "gatys"]},
            "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
            "position": {"type": ["integer", "null"], "description": "Place in the queue while queued (1: next)"},
            "created": {"type": "number"}, "started": {"type": ["number", "null"]}, "finished": {"type": ["number", "null"]},
            "progress": {"oneOf": [{"$ref": "#/components/schemas/Progress"}, {"type": "null"}]},
            "losses": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}, "description": "[iteration, total loss] per evaluation"},
            "previewIteration": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]},
            "result": {"type": ["string", "null"]}, "width": {"type": ["integer", "null"]}, "height": {"type": ["integer", "null"]}}}
        }
      }
    }
    """#
}
