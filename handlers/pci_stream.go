package handlers

import (
	"context"
	"net/http"
	"strconv"

	"github.com/paycompliance/console/web/render"
)

// Stream tells the latest scorecard each time any run finishes ("run",
// with the run's id). The page says which run it shows (?run=, 0 for
// none yet): a run that finished between its rendering and this
// subscription reloads it on connecting, and only then.
func (h *PCI) Stream(w http.ResponseWriter, r *http.Request) error {
	shown := r.URL.Query().Get("run")
	connected := func(stream *render.EventStream) error {
		latest, err := h.PCI.Runs(r.Context(), 0, 1)
		if err != nil || len(latest) == 0 || strconv.FormatInt(latest[0].ID, 10) == shown {
			return err
		}
		return stream.SendData("run", strconv.FormatInt(latest[0].ID, 10))
	}
	return liveStream(w, r, h.Changed, h.Sessions, connected,
		func(_ context.Context, stream *render.EventStream, payload string) error {
			return stream.SendData("run", payload)
		})
}
