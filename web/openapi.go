package web

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPI describes /api/v1. It is written by hand, and a test holds it to
// the route table: every API route documented, nothing documented that
// does not exist.
//
//go:embed openapi.json
var openAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(openAPI)))
	w.Write(openAPI)
}
