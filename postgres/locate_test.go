package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const locateAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func locateLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func locateCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestLocate_URLIsReturnedUntouched(t *testing.T) {
	t.Parallel()
	const u = "postgres://app:secret@db.invalid:6543/prod?sslmode=require"
	l, err := Locate(locateCtx(t, 5*time.Second), LocateOptions{URL: u, LocalAddr: "127.0.0.1:1", DataDir: t.TempDir(), Logger: locateLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if l.URL != u || l.Source != "DATABASE_URL" {
		t.Errorf("got %q from %q, want %q from DATABASE_URL", l.URL, l.Source, u)
	}
	if err := l.Stop(t.Context()); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

// The database name needs quoting, which checks both the CREATE DATABASE
// identifier and the URL path.
func TestLocate_LocalServerCreatesDatabaseOnce(t *testing.T) {
	t.Parallel()
	ctx := locateCtx(t, 30*time.Second)
	b := make([]byte, 6)
	rand.Read(b)
	name := `Locate "test" ` + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, locateAdminURL)
	if err != nil {
		t.Fatalf("this test needs PostgreSQL on 127.0.0.1:5432: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close(context.Background())
		if _, err := admin.Exec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("drop: %v", err)
		}
	})

	opts := LocateOptions{Database: name, DataDir: t.TempDir(), BinDirs: []string{}, Logger: locateLogger(t)}
	// Concurrent first calls race to create it; all must succeed.
	var wg sync.WaitGroup
	urls := make([]string, 4)
	for i := range urls {
		wg.Go(func() {
			l, err := Locate(ctx, opts)
			if err != nil {
				t.Errorf("Locate %d: %v", i, err)
				return
			}
			if l.Source != "local server 127.0.0.1:5432" {
				t.Errorf("Source = %q", l.Source)
			}
			urls[i] = l.URL
		})
	}
	wg.Wait()
	again, err := Locate(ctx, opts) // now it exists
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range urls {
		if u != again.URL {
			t.Errorf("call %d returned %q, later call %q", i, u, again.URL)
		}
	}
	conn, err := pgx.Connect(ctx, again.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var got string
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&got); err != nil || got != name {
		t.Errorf("current_database() = %q, %v; want %q", got, err, name)
	}
}

// Without a server or binaries Locate must fail with advice, and create nothing.
func TestLocate_NothingFoundIsOneClearError(t *testing.T) {
	t.Parallel()
	onlyInitdb := t.TempDir()
	if err := os.WriteFile(filepath.Join(onlyInitdb, "initdb"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		bins []string
	}{
		{"empty bin dir", []string{t.TempDir()}},
		{"initdb without pg_ctl", []string{onlyInitdb}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			_, err := Locate(locateCtx(t, 10*time.Second), LocateOptions{LocalAddr: "127.0.0.1:1", BinDirs: tc.bins, DataDir: data, Logger: locateLogger(t)})
			if err == nil {
				t.Fatal("Locate succeeded")
			}
			for _, want := range []string{"no PostgreSQL found", "127.0.0.1:1", tc.bins[0], "apt-get install postgresql", "DATABASE_URL"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if entries, _ := os.ReadDir(data); len(entries) != 0 {
				t.Errorf("DataDir has %d entries, want none", len(entries))
			}
		})
	}
}

func TestLocate_RedactsPasswords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"postgres://app:s3cret@h:5432/db", "postgres://app:xxxxx@h:5432/db"},
		{"postgresql://app@h/db?password=s3cret&sslmode=disable", "postgresql://app@h/db?password=xxxxx&sslmode=disable"},
		{"host=h user=app password=s3cret dbname=db", "host=h user=app password=xxxxx dbname=db"},
		{"host=h password = 's3 cret' dbname=db", "host=h password = xxxxx dbname=db"},
		{"postgres://postgres@127.0.0.1:5432/console", "postgres://postgres@127.0.0.1:5432/console"},
	} {
		if got := redactURL(tc.in); got != tc.want || strings.Contains(got, "s3") {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func ExampleLocate() {
	l, err := Locate(context.Background(), LocateOptions{URL: "postgres://db.example/console"})
	if err != nil {
		panic(err)
	}
	defer l.Stop(context.Background())
	fmt.Println(l.Source)
	// Output: DATABASE_URL
}
