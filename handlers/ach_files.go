package handlers

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/ach"
	"github.com/paycompliance/console/domain/identity"
	achview "github.com/paycompliance/console/views/ach"
	"github.com/paycompliance/console/web/render"
)

// Files lists the NACHA files with the cutoff schedule.
func (h *ACH) Files(w http.ResponseWriter, r *http.Request) error {
	return h.renderFiles(w, r, false, fileNotice(r.URL.Query().Get("made")))
}

func fileNotice(made string) string {
	switch made {
	case "":
		return ""
	case "none":
		return "The cutoff ran: no approved transfer was waiting, so no file was made."
	}
	return "The cutoff made file " + made + " and it is being delivered."
}

func (h *ACH) renderFiles(w http.ResponseWriter, r *http.Request, confirm bool, notice string) error {
	ctx := r.Context()
	files, err := h.ACH.Files(ctx)
	if err != nil {
		return err
	}
	cutoffs, err := h.ACH.CutoffSchedule(ctx)
	if err != nil {
		return err
	}
	caller, _ := identity.CallerFrom(ctx)
	v := achview.FilesView{Files: files, Cutoffs: cutoffs, CanFiles: caller.Can(identity.PermACHFiles), ConfirmForce: confirm,
		Notice: notice, Now: time.Now()}
	return render.Page(w, r, http.StatusOK, "NACHA files", "/ach", achview.Files(v))
}

// ForceCutoff runs a cutoff now, once confirmed.
func (h *ACH) ForceCutoff(w http.ResponseWriter, r *http.Request) error {
	if r.PostFormValue("confirmed") != "yes" {
		return h.renderFiles(w, r, true, "")
	}
	f, made, err := h.ACH.ForceCutoff(r.Context())
	if err != nil {
		return err
	}
	if !made {
		return SeeOther(w, r, "/ach/files?made=none")
	}
	return SeeOther(w, r, "/ach/files?made="+f.Name)
}

// File shows one file's batches.
func (h *ACH) File(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, batches, err := h.ACH.FileBatches(r.Context(), id)
	if err != nil {
		return err
	}
	caller, _ := identity.CallerFrom(r.Context())
	return render.Page(w, r, http.StatusOK, f.Name, "/ach", achview.File(achview.FileView{File: f, Batches: batches, CanFiles: caller.Can(identity.PermACHFiles)}))
}

// DownloadFile sends a file's NACHA text (after a fresh step-up: it holds
// account numbers); the download is recorded.
func (h *ACH) DownloadFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := h.ACH.FileContent(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=us-ascii")
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Content)))
	_, err = w.Write(f.Content)
	return err
}

// maxInboundUpload bounds an uploaded return file (the bank's largest
// are a few megabytes).
const maxInboundUpload = 32 << 20

// Returns shows the returns inbox.
func (h *ACH) Returns(w http.ResponseWriter, r *http.Request) error {
	return h.renderReturns(w, r, http.StatusOK, returnsNotices[r.URL.Query().Get("notice")], "", nil)
}

var returnsNotices = map[string]string{
	"applied":  "The correction was applied to the account.",
	"noted":    "The correction was noted; it changes nothing on the account.",
	"rejected": "The correction was rejected; the account is unchanged.",
}

func (h *ACH) renderReturns(w http.ResponseWriter, r *http.Request, status int, notice, problem string, confirm *ach.Correction) error {
	in, err := h.ACH.Returns(r.Context())
	if err != nil {
		return err
	}
	caller, _ := identity.CallerFrom(r.Context())
	v := achview.ReturnsView{Inbox: in, CanFiles: caller.Can(identity.PermACHFiles), CanWrite: caller.Can(identity.PermACHWrite),
		Viewer: caller.Actor.ID, Notice: notice, Error: problem, Confirm: confirm}
	return render.Page(w, r, status, "Returns inbox", "/ach", achview.Returns(v))
}

// UploadReturns ingests an uploaded return or NOC file. A file moov-io/ach
// refuses is shown with its reason, and nothing changes.
func (h *ACH) UploadReturns(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxInboundUpload)
	file, header, err := r.FormFile("file")
	if err != nil {
		return h.renderReturns(w, r, http.StatusUnprocessableEntity, "", uploadProblem(err), nil)
	}
	defer file.Close()
	content, err := io.ReadAll(file)
	if err != nil {
		return h.renderReturns(w, r, http.StatusUnprocessableEntity, "", uploadProblem(err), nil)
	}
	f, err := h.ACH.Ingest(r.Context(), header.Filename, "upload", content)
	if domain.ErrorCode(err) == domain.EINVALID {
		return h.renderReturns(w, r, http.StatusUnprocessableEntity, "", "The file was refused: "+domain.ErrorMessage(err), nil)
	}
	if err != nil {
		return err
	}
	notice := f.Name + ": " + strconv.Itoa(f.Returns) + " returns and " + strconv.Itoa(f.NOCs) + " notifications of change"
	if f.Unmatched > 0 {
		notice += ", " + strconv.Itoa(f.Unmatched) + " for entries that are not ours"
	}
	return h.renderReturns(w, r, http.StatusOK, notice+".", "", nil)
}

func uploadProblem(err error) string {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return "The file is larger than " + strconv.Itoa(maxInboundUpload>>20) + " MiB."
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, multipart.ErrMessageTooLarge):
		return "Choose the bank's file to upload."
	}
	return "The upload could not be read; try again."
}

// ApplyCorrection applies a notification of change, once confirmed.
func (h *ACH) ApplyCorrection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirmed") != "yes" {
		in, err := h.ACH.Returns(r.Context())
		if err != nil {
			return err
		}
		for _, c := range in.Corrections {
			if c.ID == id {
				return h.renderReturns(w, r, http.StatusOK, "", "", &c)
			}
		}
		return h.renderReturns(w, r, http.StatusConflict, "", "This correction was decided already.", nil)
	}
	return h.decideCorrection(w, r, id, true)
}

// RejectCorrection rejects a notification of change.
func (h *ACH) RejectCorrection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.decideCorrection(w, r, id, false)
}

func (h *ACH) decideCorrection(w http.ResponseWriter, r *http.Request, id int64, apply bool) error {
	c, err := h.ACH.DecideCorrection(r.Context(), id, apply)
	switch {
	case domain.ErrorCode(err) == domain.ECONFLICT || domain.ErrorCode(err) == domain.EINVALID || domain.ErrorCode(err) == domain.EFORBIDDEN:
		return h.renderReturns(w, r, http.StatusConflict, "", domain.ErrorMessage(err), nil)
	case err != nil:
		return err
	case apply:
		return SeeOther(w, r, "/ach/returns?notice="+c.Status)
	}
	return SeeOther(w, r, "/ach/returns?notice=rejected")
}
