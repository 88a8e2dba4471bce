package handlers

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/fraud"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/payments"
	fraudview "github.com/paycompliance/console/views/fraud"
	"github.com/paycompliance/console/web/render"
)

// Fraud is the fraud reviewers' console: the review queue (live), a case
// with its score explained and the reviewer's work on it, the rules with
// their draft and backtest, the block and allow lists, and statistics.
type Fraud struct {
	Fraud *fraud.Service
	// Payments shows a payment case's Radar assessment, to those who may
	// read payments.
	Payments   *payments.Service
	Colleagues fraud.Colleague // who a case may be assigned to
	Audit      *audit.Browser  // a case's audit entries, for those who read the trail
	Changed    Subscriber      // a notification (the case id) each time a case opens or changes
	Sessions   SessionResumer
}

// Queue lists the cases, riskiest first, then oldest, a page at a time.
func (h *Fraud) Queue(w http.ResponseWriter, r *http.Request) error {
	v, err := h.queueView(r)
	if err != nil {
		return err
	}
	return h.renderQueue(w, r, http.StatusOK, v)
}

func (h *Fraud) renderQueue(w http.ResponseWriter, r *http.Request, status int, v fraudview.QueueView) error {
	return render.Page(w, r, status, "Fraud review", fraudview.QueuePath, fraudview.Queue(v))
}

func (h *Fraud) queueView(r *http.Request) (fraudview.QueueView, error) {
	ctx := r.Context()
	v := r.URL.Query()
	caller, _ := identity.CallerFrom(ctx)
	view := fraudview.QueueView{Query: keep(v, "status", "level", "mine"), CanReview: caller.Can(identity.PermFraudReview), Now: time.Now()}
	q := fraud.CaseQuery{Status: fraud.CaseStatus(v.Get("status")), Level: fraud.Level(v.Get("level"))}
	switch q.Status {
	case "", fraud.CaseOpen, fraud.CaseInReview, fraud.CaseEscalated, fraud.CaseClosed:
	default:
		return view, domain.Errorf(domain.EINVALID, "%q is not a case status: choose open, in_review, escalated or closed.", q.Status)
	}
	if q.Level != "" && !slices.Contains(fraud.Levels, q.Level) {
		return view, domain.Errorf(domain.EINVALID, "%q is not a level: choose low, medium, high or critical.", q.Level)
	}
	if v.Get("mine") == "1" {
		q.Assignee = caller.Actor.ID
	}
	var err error
	if q.AfterID, err = optionalID(v.Get("after")); err != nil {
		return view, err
	}
	if q.AfterID > 0 {
		if q.AfterScore, err = strconv.Atoi(v.Get("after_score")); err != nil {
			return view, domain.Errorf(domain.EINVALID, "The page's position is incomplete: follow the queue's own Next page link.")
		}
	}
	view.AfterScore, view.AfterID = q.AfterScore, q.AfterID
	list, more, err := h.Fraud.Queue(ctx, q)
	if err != nil {
		return view, err
	}
	view.Cases = list
	if more {
		view.Next = &list[len(list)-1]
	}
	view.Summary, err = h.Fraud.Summary(ctx)
	return view, err
}

// Next claims the riskiest case nobody holds and opens it; an empty queue
// says so on the queue.
func (h *Fraud) Next(w http.ResponseWriter, r *http.Request) error {
	c, err := h.Fraud.Next(r.Context())
	switch domain.ErrorCode(err) {
	case "":
		return SeeOther(w, r, fraudview.CaseURL(c.ID)+"?notice=claimed")
	case domain.ENOTFOUND:
		v, verr := h.queueView(r)
		if verr != nil {
			return verr
		}
		v.Error = domain.ErrorMessage(err)
		return h.renderQueue(w, r, http.StatusNotFound, v)
	}
	return err
}

// Stream tells the queue each time any case opens or changes ("queue");
// for one case (?id=) it tells the case's page each time that case
// changes ("case"), and "claim" when who may work it changes (its status
// or reviewer), so its forms reload then and only then. The page says
// which claim it was rendered with (?claim=).
func (h *Fraud) Stream(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("id") == "" {
		reload := func(stream *render.EventStream) error { return stream.SendData("queue", "") }
		return liveStream(w, r, h.Changed, h.Sessions, reload,
			func(_ context.Context, stream *render.EventStream, _ string) error { return reload(stream) })
	}
	id, err := strconv.ParseInt(q.Get("id"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENOTFOUND, "There is no such case.")
	}
	only := strconv.FormatInt(id, 10)
	claim := q.Get("claim")
	// What changed between the page's rendering and this subscription is
	// reloaded on connecting; the forms only if the claim changed, so that
	// a decision being typed is not wiped by the page's own connection.
	claimChanged := func(ctx context.Context) (bool, error) {
		v, err := h.Fraud.View(ctx, id)
		if err != nil {
			return false, err
		}
		key := fraudview.ClaimKey(v.Case)
		changed := key != claim
		claim = key
		return changed, nil
	}
	tell := func(ctx context.Context, stream *render.EventStream) error {
		if err := stream.SendData("case", only); err != nil {
			return err
		}
		if changed, err := claimChanged(ctx); err != nil || !changed {
			return err
		}
		return stream.SendData("claim", only)
	}
	if _, err := h.Fraud.View(r.Context(), id); err != nil {
		return err
	}
	return liveStream(w, r, h.Changed, h.Sessions, func(s *render.EventStream) error { return tell(r.Context(), s) },
		func(ctx context.Context, stream *render.EventStream, payload string) error {
			if payload != only {
				return nil
			}
			return tell(ctx, stream)
		})
}
