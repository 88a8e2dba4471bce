package handlers

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/escrow"
	"github.com/paycompliance/console/domain/identity"
	escrowview "github.com/paycompliance/console/views/escrow"
	"github.com/paycompliance/console/views/timeline"
	"github.com/paycompliance/console/web/render"
)

var releaseNotices = map[string]string{
	"requested": "The release was requested and its amount held; approvers see it in their inbox.",
	"signed":    "Your signature was recorded.",
	"complete":  "Your signature completed the approvals: the release is paid once its time lock has passed.",
	"rejected":  "The release was rejected; the held amount is available again.",
}

// Release shows one release request.
func (h *Escrow) Release(w http.ResponseWriter, r *http.Request) error {
	p, err := h.releasePage(r)
	if err != nil {
		return err
	}
	p.Notice = releaseNotices[r.URL.Query().Get("notice")]
	return h.renderRelease(w, r, http.StatusOK, p)
}

func (h *Escrow) renderRelease(w http.ResponseWriter, r *http.Request, status int, p escrowview.ReleasePage) error {
	return render.Page(w, r, status, "Release "+p.View.Release.PublicID, "/escrow", escrowview.Release(p))
}

func (h *Escrow) releasePage(r *http.Request) (escrowview.ReleasePage, error) {
	ctx := r.Context()
	v, err := h.Escrow.Release(ctx, r.PathValue("id"))
	if err != nil {
		return escrowview.ReleasePage{}, err
	}
	caller, _ := identity.CallerFrom(ctx)
	p := escrowview.ReleasePage{View: v, CanApprove: caller.Can(identity.PermEscrowApprove), Viewer: caller.Actor.ID,
		Timeline: releaseHistory(v)}
	if caller.Can(identity.PermAuditRead) {
		entries, err := auditItems(ctx, h.Audit, audit.Filter{TargetType: "escrow_release", TargetID: v.Release.PublicID})
		if err != nil {
			return p, err
		}
		p.Timeline = append(p.Timeline, entries...)
	}
	p.Timeline = timeline.Sorted(p.Timeline)
	return p, nil
}

// releaseHistory is what the request's own record tells, for everyone
// who may read it (the audit entries are for those who read the trail).
func releaseHistory(v escrow.ReleaseView) []timeline.Item {
	r := v.Release
	items := []timeline.Item{{At: r.RequestedAt, Kind: "request", Text: "requested by " + r.RequestedBy + ": " + r.Reason}}
	for _, a := range v.Approvals {
		items = append(items, timeline.Item{At: a.At, Kind: "signature",
			Text: "signed by " + a.Approver + " (TOTP step " + strconv.FormatInt(a.TOTPStep, 10) + ", key " + a.Signature.KeyID + ")"})
	}
	if r.DecidedAt != nil {
		items = append(items, timeline.Item{At: *r.DecidedAt, Kind: "veto", Text: "rejected by " + r.DecidedBy + ": " + r.Note})
	}
	if r.ExecutedAt != nil {
		items = append(items, timeline.Item{At: *r.ExecutedAt, Kind: "payout", Text: "paid: " + r.PayoutRef})
	}
	return items
}

// Approve signs the request under the TOTP code in the form, over the
// payload hash the page showed: if the request changed since, the
// signature is refused (409) rather than made over what was not read.
func (h *Escrow) Approve(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	v, err := h.Escrow.Approve(r.Context(), id, r.PostFormValue("payload_hash"), r.PostFormValue("code"))
	if err != nil {
		return h.releaseProblem(w, r, err, false)
	}
	notice := "signed"
	if v.Release.Status == escrow.Approved {
		notice = "complete"
	}
	return SeeOther(w, r, escrowview.ReleaseURL(id)+"?notice="+notice)
}

// Reject vetoes the request in two steps: the first answer is a
// confirmation saying that a rejection is final, asking for the reason
// and a fresh code; confirmed, the request ends.
func (h *Escrow) Reject(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("confirmed") != "yes" {
		p, err := h.releasePage(r)
		if err != nil {
			return err
		}
		p.ConfirmReject = true
		return h.renderRelease(w, r, http.StatusOK, p)
	}
	id := r.PathValue("id")
	if _, err := h.Escrow.Reject(r.Context(), id, r.PostFormValue("code"), r.PostFormValue("reason")); err != nil {
		return h.releaseProblem(w, r, err, true)
	}
	return SeeOther(w, r, escrowview.ReleaseURL(id)+"?notice=rejected")
}

// releaseProblem shows a refusal on the request's page, the veto's
// confirmation kept open (with its reason) when that is what was refused.
func (h *Escrow) releaseProblem(w http.ResponseWriter, r *http.Request, err error, rejecting bool) error {
	if !actionable(err) {
		return err
	}
	p, verr := h.releasePage(r)
	if verr != nil {
		return verr
	}
	p.Error = domain.ErrorMessage(err)
	if rejecting && p.Vetoable() {
		p.ConfirmReject, p.Reason = true, r.PostFormValue("reason")
	}
	return h.renderRelease(w, r, refusalStatus(err), p)
}

// Certificate shows an executed release's certificate, and whether it
// verifies as its file would offline. Issuing it is recorded.
func (h *Escrow) Certificate(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	c, err := h.Escrow.Certificate(r.Context(), id)
	if err != nil {
		return err
	}
	_, verified := escrow.VerifyCertificate(c.Encode())
	v := escrowview.CertificateView{Certificate: c, Release: id, Escrow: c.Payload.Escrow, Verified: verified}
	return render.Page(w, r, http.StatusOK, "Certificate "+id, "/escrow", escrowview.Certificate(v))
}

// CertificateFile downloads the certificate's canonical bytes, exactly as
// signed: the file `console escrow verify-certificate` checks.
func (h *Escrow) CertificateFile(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	c, err := h.Escrow.Certificate(r.Context(), id)
	if err != nil {
		return err
	}
	data := c.Encode()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "certificate-" + id + ".json"}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	return err
}
