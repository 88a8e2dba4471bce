package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/paycompliance/console/domain"
)

// decodeJSON, reading the risk assessment body (the API's largest, with
// pointers and times), refuses as EINVALID or accepts exactly one JSON
// object of known fields sent as application/json; what it accepts,
// written back as JSON, decodes to the same; an empty optional body
// leaves the value alone.
func FuzzDecodeJSON(f *testing.F) {
	for _, body := range []string{
		`{"type":"card_payment","ref":"ord_1","amount":1250,"currency":"USD","customer":"cus_1","email":"a@b.example","country":"US",` +
			`"card_country":"GB","radar_score":42,"ip":"203.0.113.7","occurred_at":"2026-01-31T09:00:00Z","customer_since":"2020-01-01T00:00:00+01:00"}`,
		`{"type":"x"}`, `{"amount":"12"}`, `{"amount":1.5}`, `{"radar_score":null}`, `{"nope":1}`, `{"TYPE":"x"}`, `{} {}`, `{}]`, `[]`, `null`,
		`{"occurred_at":"yesterday"}`, `{"type":"a"`, "", "  \n", `"s"`,
	} {
		f.Add([]byte(body), "application/json", false)
		f.Add([]byte(body), "application/json; charset=utf-8", true)
	}
	f.Add([]byte(`{"type":"x"}`), "text/plain", false)
	fields := map[string]bool{}
	for _, sf := range reflect.VisibleFields(reflect.TypeFor[apiAssessmentIn]()) {
		fields[strings.ToLower(strings.Split(sf.Tag.Get("json"), ",")[0])] = true
	}
	decode := func(body []byte, contentType string, optional bool) (apiAssessmentIn, error) {
		in := apiAssessmentIn{Ref: "untouched"}
		r := &http.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {contentType}}, Body: io.NopCloser(bytes.NewReader(body))}
		return in, decodeJSON(r, &in, optional)
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string, optional bool) {
		if len(body) > 4<<10 {
			return
		}
		in, err := decode(body, contentType, optional)
		if err != nil {
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("%q refused with %v, want EINVALID", body, err)
			}
			return
		}
		if len(bytes.TrimSpace(body)) == 0 {
			if !optional || in.Ref != "untouched" {
				t.Fatalf("an empty body accepted (optional %v) as %+v", optional, in)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("%q accepted: not one JSON value", body)
		}
		var object map[string]json.RawMessage
		if err := json.Unmarshal(body, &object); err != nil {
			t.Fatalf("%q accepted: not an object", body)
		}
		for k := range object {
			if !fields[strings.ToLower(k)] {
				t.Fatalf("%q accepted with the unknown field %q", body, k)
			}
		}
		written, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decode(written, "application/json", false)
		if rewritten, _ := json.Marshal(back); err != nil || !bytes.Equal(rewritten, written) {
			t.Fatalf("%q accepted as %s, which reads back as %s, %v", body, written, rewritten, err)
		}
	})
}
