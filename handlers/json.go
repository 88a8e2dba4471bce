package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/paycompliance/console/domain"
)

// decodeJSON reads a request body into v strictly: JSON only, no unknown
// fields, one value, each type as documented; every refusal says what to fix.
// An empty body is allowed when optional.
func decodeJSON(r *http.Request, v any, optional bool) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if optional {
			return nil
		}
		return domain.Errorf(domain.EINVALID, "The request needs a JSON body.")
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return domain.Errorf(domain.EINVALID, "Send the body as JSON, with Content-Type: application/json.")
	}
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return jsonProblem(err)
	}
	// Anything after the value but space is refused: Decoder.More alone
	// would let a stray ] or } through.
	if err := d.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.EINVALID, "The body holds more than one JSON value.")
	}
	return nil
}

func jsonProblem(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return domain.Errorf(domain.EINVALID, "%s must be %s.", typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return domain.Errorf(domain.EINVALID, "The body is not valid JSON (at byte %d).", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return domain.Errorf(domain.EINVALID, "Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return domain.Errorf(domain.EINVALID, "The body is not the JSON this call takes.")
}

func jsonKind(kind string) string {
	switch kind {
	case "int64", "int":
		return "a whole number"
	case "string":
		return "a string"
	case "map":
		return "an object of strings"
	}
	return "a " + kind
}
