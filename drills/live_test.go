package drills

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A live page's stream on one instance hears of a change made through the
// other: notifications go through PostgreSQL (LISTEN/NOTIFY), not memory.
func TestInstances_LiveUpdatesReachEither(t *testing.T) {
	t.Parallel()
	cl := NewCluster(t)
	a, b := cl.Start(t), cl.Start(t)

	viewer := b.Console().SignInHTTP(t, "dana.reyes")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.URL+"/payments/stream", nil)
	res, err := viewer.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /payments/stream on %s = %d %s", b.Name, res.StatusCode, res.Header.Get("Content-Type"))
	}
	data := make(chan string)
	go func() {
		defer close(data)
		for s := bufio.NewScanner(res.Body); s.Scan(); {
			if d, ok := strings.CutPrefix(s.Text(), "data: "); ok {
				data <- d
			}
		}
	}()
	<-data // the stream's greeting: it is subscribed

	c := a.Console()
	status, created := c.API(t, http.MethodPost, "/api/v1/payments", c.APIKey(t, "payments.write"),
		`{"amount": 1250, "currency": "USD", "customer": "drill-live", "description": "drill"}`)
	id, _ := created["id"].(string)
	if status != http.StatusCreated || id == "" {
		t.Fatalf("creating a payment on %s = %d %v", a.Name, status, created)
	}
	for d := range data {
		if d == id {
			return
		}
	}
	t.Fatalf("the stream on %s never told of payment %s made through %s", b.Name, id, a.Name)
}
