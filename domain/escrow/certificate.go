package escrow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/paycompliance/console/domain"
	"github.com/paycompliance/console/domain/audit"
	"github.com/paycompliance/console/domain/identity"
	"github.com/paycompliance/console/domain/keys"
)

// CertificateFormat names this version of the certificate.
const CertificateFormat = "paycompliance/escrow-release-certificate/v1"

const certificateDomain = "paycompliance/escrow-release-certificate/v1\n"

// Certificate proves how an executed release was approved: the payload,
// the policy it was held to, each counted approver's signature with the
// TOTP step it was made under and its audit sequence number, the payout,
// and the public keys to check all of it offline. The console signs the
// whole; the file is its canonical encoding, so any altered byte fails.
type Certificate struct {
	Format      string              `json:"format"`
	Payload     Payload             `json:"payload"`
	Policy      PolicyRules         `json:"policy"`
	RequestedBy string              `json:"requested_by"`
	RequestedAt time.Time           `json:"requested_at"`
	Approvals   []CertifiedApproval `json:"approvals"`
	ExecutedAt  time.Time           `json:"executed_at"`
	PayoutRef   string              `json:"payout_ref"`
	Keys        []keys.PublicKey    `json:"public_keys"`
	Signature   keys.Signature      `json:"signature"`
}

// CertifiedApproval is one counted signature.
type CertifiedApproval struct {
	Approver  string         `json:"approver"`
	TOTPStep  int64          `json:"totp_step"`
	At        time.Time      `json:"at"`
	AuditSeq  int64          `json:"audit_seq"` // 0 while the audit trail had not chained it yet
	Signature keys.Signature `json:"signature"`
}

// Encode is the certificate's canonical bytes.
func (c Certificate) Encode() []byte {
	b, _ := json.MarshalIndent(c, "", "  ") // plain fields always encode
	return append(b, '\n')
}

// signedBytes is what the console signs: everything but the signature and
// the keys that check it.
func (c Certificate) signedBytes() []byte {
	c.Signature, c.Keys = keys.Signature{}, nil
	return append([]byte(certificateDomain), c.Encode()...)
}

// Certificate issues the certificate of an executed release, recording
// that it was taken.
func (s *Service) Certificate(ctx context.Context, releaseID string) (Certificate, error) {
	if _, _, err := identity.Authorize(ctx, identity.PermEscrowRead); err != nil {
		return Certificate{}, err
	}
	r, found, err := s.Store.Release(ctx, releaseID, false)
	switch {
	case err != nil:
		return Certificate{}, err
	case !found:
		return Certificate{}, notFound("release request")
	case r.Status != Executed:
		return Certificate{}, domain.Errorf(domain.ECONFLICT, "Only an executed release has a certificate; this one is %s.", r.Status)
	}
	v, err := s.view(ctx, r)
	if err != nil {
		return Certificate{}, err
	}
	seqs, err := s.Store.AuditSeqs(ctx, r.PublicID)
	if err != nil {
		return Certificate{}, err
	}
	c := Certificate{Format: CertificateFormat, Payload: r.Payload(), Policy: v.Policy, RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt.UTC(),
		ExecutedAt: r.ExecutedAt.UTC(), PayoutRef: r.PayoutRef}
	hash := c.Payload.Hash()
	for _, a := range v.Approvals {
		if a.PayloadHash == hash && slices.Contains(v.Counting, a.Approver) {
			c.Approvals = append(c.Approvals, CertifiedApproval{Approver: a.Approver, TOTPStep: a.TOTPStep, At: a.At.UTC(), AuditSeq: seqs[a.Approver], Signature: a.Signature})
		}
	}
	if c.Signature, err = s.Keys.Sign(ctx, c.signedBytes()); err != nil {
		return Certificate{}, err
	}
	ids := []string{c.Signature.KeyID}
	for _, a := range c.Approvals {
		if !slices.Contains(ids, a.Signature.KeyID) {
			ids = append(ids, a.Signature.KeyID)
		}
	}
	// The keys are not covered by the signature they check: the verifier
	// prints their fingerprints to compare with the operator's.
	for _, id := range ids {
		pub, err := s.Keys.PublicKey(ctx, id)
		if err != nil {
			return Certificate{}, err
		}
		c.Keys = append(c.Keys, pub)
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		return s.record(ctx, audit.CertificateIssued, "escrow_release", r.PublicID, nil)
	})
	return c, err
}

// ErrCertificate is what a certificate that does not verify fails with.
var ErrCertificate = errors.New("the certificate does not verify")

// VerifyCertificate checks a certificate file offline: that it is in its
// canonical form, that the console's signature covers it, that every
// approval's signature is over its payload and TOTP step, and that the
// approvers, the requester excluded and each counted once, meet its policy.
func VerifyCertificate(data []byte) (Certificate, error) {
	var c Certificate
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	if !bytes.Equal(c.Encode(), data) {
		return c, fmt.Errorf("%w: the file is not the certificate as issued (altered or reformatted)", ErrCertificate)
	}
	if c.Format != CertificateFormat {
		return c, fmt.Errorf("%w: unknown format %q", ErrCertificate, c.Format)
	}
	key := func(id string) (keys.PublicKey, error) {
		for _, k := range c.Keys {
			if k.KeyID == id {
				return k, nil
			}
		}
		return keys.PublicKey{}, fmt.Errorf("%w: no public key %q in the certificate", ErrCertificate, id)
	}
	pub, err := key(c.Signature.KeyID)
	if err != nil {
		return c, err
	}
	if err := pub.Verify(c.signedBytes(), c.Signature); err != nil {
		return c, fmt.Errorf("%w: the console's signature: %v", ErrCertificate, err)
	}
	var signers []string
	for _, a := range c.Approvals {
		if a.Approver == c.RequestedBy || slices.Contains(signers, a.Approver) {
			return c, fmt.Errorf("%w: %s cannot count as an approver", ErrCertificate, a.Approver)
		}
		pub, err := key(a.Signature.KeyID)
		if err != nil {
			return c, err
		}
		if err := pub.Verify(SignedMessage(c.Payload, a.Approver, a.TOTPStep, a.At), a.Signature); err != nil {
			return c, fmt.Errorf("%w: the approval by %s: %v", ErrCertificate, a.Approver, err)
		}
		signers = append(signers, a.Approver)
	}
	if !c.Policy.Satisfied(signers) {
		return c, fmt.Errorf("%w: the approvals do not meet the policy (%s)", ErrCertificate, c.Policy.Summary())
	}
	if c.Policy.TimeLock != nil && c.ExecutedAt.Before(*c.Policy.TimeLock) {
		return c, fmt.Errorf("%w: executed before the time lock", ErrCertificate)
	}
	return c, nil
}
