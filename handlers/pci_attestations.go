package handlers

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/pci"
	pciview "github.com/paycompliance/console/views/pci"
	"github.com/paycompliance/console/web/render"
)

var attestNotices = map[string]string{"attested": "The attestation was recorded: the next run counts it."}

// Sub shows a sub-requirement: how it is evidenced, its latest result and
// its attestations, with the form recording one for those who may.
func (h *PCI) Sub(w http.ResponseWriter, r *http.Request) error {
	return h.renderSub(w, r, http.StatusOK, r.PathValue("id"), pciview.AttestForm{}, attestNotices[r.URL.Query().Get("notice")], "")
}

func (h *PCI) renderSub(w http.ResponseWriter, r *http.Request, status int, id string, form pciview.AttestForm, notice, problem string) error {
	ctx := r.Context()
	req, sub, found := pci.Current().Sub(id)
	if !found {
		return domain.Errorf(domain.ENOTFOUND, "%q is not a sub-requirement in the catalogue.", truncateInput(id))
	}
	list, err := h.PCI.Attestations(ctx, sub.ID)
	if err != nil {
		return err
	}
	p := pciview.SubPage{Requirement: req, Sub: sub, Attestations: list, CanManage: canManagePCI(ctx), Form: form,
		Notice: notice, Error: problem, Now: time.Now()}
	sc, ran, err := h.PCI.Latest(ctx)
	if err != nil {
		return err
	}
	if ran {
		p.Latest = &sc.Run
		for _, res := range sc.Results {
			if res.Sub == sub.ID {
				p.Results = append(p.Results, res)
			}
		}
	}
	return render.Page(w, r, status, pciTitle+" "+sub.ID, pciview.ScorecardPath, pciview.Sub(p))
}

// Attest records an attestation from its form (multipart, with up to 10
// evidence files). What is refused shows on the sub-requirement's page
// with the form as typed, and nothing is kept.
func (h *PCI) Attest(w http.ResponseWriter, r *http.Request) error {
	files, err := attestUpload(r)
	sub := r.FormValue("sub")
	form := pciview.AttestForm{Statement: r.FormValue("statement"), Effective: r.FormValue("effective"), Expires: r.FormValue("expires")}
	if err == nil {
		var effective, expires time.Time
		if effective, err = formTime(form.Effective, "effective date"); err == nil {
			if expires, err = formTime(form.Expires, "expiry date"); err == nil {
				_, err = h.PCI.Attest(r.Context(), sub, form.Statement, effective, expires, files)
			}
		}
	}
	switch code := domain.ErrorCode(err); {
	case err == nil:
		return SeeOther(w, r, pciview.SubURL(sub)+"?notice=attested")
	case code != domain.EINVALID && code != domain.ETOOLARGE:
		return err
	case !knownSub(sub):
		return err
	}
	return h.renderSub(w, r, http.StatusUnprocessableEntity, sub, form, "", domain.ErrorMessage(err))
}

func knownSub(id string) bool {
	_, _, found := pci.Current().Sub(id)
	return found
}

// attestUpload reads the form and its evidence files (a form without
// files may come urlencoded).
func attestUpload(r *http.Request) ([]pci.NewFile, error) {
	err := r.ParseMultipartForm(8 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		return nil, r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, domain.Errorf(domain.ETOOLARGE, "The upload is too large: up to 10 files of %d MiB each.", pci.MaxFile>>20)
	case err != nil:
		return nil, domain.Errorf(domain.EINVALID, "The upload could not be read; try again.")
	}
	var files []pci.NewFile
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size > pci.MaxFile {
			return nil, domain.Errorf(domain.EINVALID, "%s is larger than %d MiB.", truncateInput(fh.Filename), pci.MaxFile>>20)
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, pci.MaxFile+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		files = append(files, pci.NewFile{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return files, nil
}

// formTime reads a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)
// in UTC; "" is the zero time.
func formTime(s, what string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{pciview.DateLayout, pciview.DateTimeLayout} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, domain.Errorf(domain.EINVALID, "The %s is not a date: write it as YYYY-MM-DD.", what)
}

// Attestation shows one attestation with its evidence files.
func (h *PCI) Attestation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.PCI.Attestation(r.Context(), id)
	if err != nil {
		return err
	}
	_, sub, _ := pci.Current().Sub(a.Sub)
	return render.Page(w, r, http.StatusOK, pciTitle+" attestation #"+strconv.FormatInt(id, 10), pciview.ScorecardPath,
		pciview.Attestation(pciview.AttestationPage{Attestation: a, Sub: sub}))
}

// AttestationFile downloads an evidence file as the type it was filed
// with, always as an attachment and never sniffed, so that what someone
// uploaded does not run as this site.
func (h *PCI) AttestationFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(r.PathValue("file"), 10, 64)
	if err != nil || fid <= 0 {
		return domain.Errorf(domain.ENOTFOUND, "There is no such file.")
	}
	f, data, err := h.PCI.File(r.Context(), id, fid)
	if err != nil {
		return err
	}
	contentType := "application/octet-stream"
	if mt, params, err := mime.ParseMediaType(f.ContentType); err == nil && mime.FormatMediaType(mt, params) != "" {
		contentType = mime.FormatMediaType(mt, params)
	}
	return download(w, contentType, f.Name, data)
}
