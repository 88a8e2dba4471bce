package ofac

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestDirAndHTTP(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "sdn.csv"), []byte("sdn"), 0o644)
	os.WriteFile(filepath.Join(dir, "alt.csv"), []byte("alt"), 0o644)
	f, err := Dir{Path: dir}.Fetch(context.Background())
	if err != nil || string(f.SDN) != "sdn" || string(f.Alt) != "alt" || f.Add != nil {
		t.Fatalf("Dir = %+v, %v", f, err)
	}
	if _, err := (Dir{Path: t.TempDir()}).Fetch(context.Background()); err == nil {
		t.Fatal("a directory without sdn.csv was read")
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	f, err = HTTP{BaseURL: srv.URL}.Fetch(context.Background())
	if err != nil || string(f.SDN) != "sdn" || string(f.Alt) != "alt" || f.ConsPrim != nil {
		t.Fatalf("HTTP = %+v, %v", f, err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }))
	defer down.Close()
	if _, err := (HTTP{BaseURL: down.URL}).Fetch(context.Background()); err == nil {
		t.Fatal("a failing server's answer was taken as a list")
	}
}
