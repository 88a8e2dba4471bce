package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// Ciphertext layout, format 1:
//
//	0x01 | uint16 len(wrapped) | wrapped data key | 12-byte nonce | AES-256-GCM(ciphertext+tag)
//
// The GCM additional data is the header (format byte, length, wrapped key)
// followed by the caller's associated data, so neither can be swapped.
const (
	envelopeFormat = 0x01
	nonceSize      = 12
	dataKeySize    = 32
)

func seal(dataKey, wrapped, plaintext, aad []byte) ([]byte, error) {
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	if len(wrapped) > 0xFFFF {
		return nil, fmt.Errorf("keys: wrapped data key too long (%d bytes)", len(wrapped))
	}
	header := make([]byte, 3, 3+len(wrapped)+nonceSize+len(plaintext)+aead.Overhead())
	header[0] = envelopeFormat
	binary.BigEndian.PutUint16(header[1:3], uint16(len(wrapped)))
	header = append(header, wrapped...)
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append(header, nonce...)
	return aead.Seal(out, nonce, plaintext, additionalData(out[:len(header)], aad)), nil
}

// parseEnvelope splits a ciphertext into its header, wrapped key, nonce and
// sealed box, without decrypting anything.
func parseEnvelope(ciphertext []byte) (header, wrapped, nonce, box []byte, err error) {
	if len(ciphertext) < 3 || ciphertext[0] != envelopeFormat {
		return nil, nil, nil, nil, fmt.Errorf("%w: not a format-1 ciphertext", ErrAuthentication)
	}
	n := int(binary.BigEndian.Uint16(ciphertext[1:3]))
	if len(ciphertext) < 3+n+nonceSize+16 {
		return nil, nil, nil, nil, fmt.Errorf("%w: ciphertext truncated", ErrAuthentication)
	}
	header = ciphertext[:3+n]
	wrapped = ciphertext[3 : 3+n]
	nonce = ciphertext[3+n : 3+n+nonceSize]
	box = ciphertext[3+n+nonceSize:]
	return header, wrapped, nonce, box, nil
}

func open(dataKey, header, nonce, box, aad []byte) ([]byte, error) {
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	plaintext, err := aead.Open(nil, nonce, box, additionalData(header, aad))
	if err != nil {
		return nil, ErrAuthentication
	}
	return plaintext, nil
}

func additionalData(header, aad []byte) []byte {
	return append(append(make([]byte, 0, len(header)+len(aad)), header...), aad...)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != dataKeySize {
		return nil, fmt.Errorf("keys: data key must be %d bytes, got %d", dataKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
