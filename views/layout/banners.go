package layout

import "context"

type bannersKey struct{}

// WithBanners attaches alerts that every page shows at its top until the
// condition behind them clears (a failed audit verification, say).
func WithBanners(ctx context.Context, banners []string) context.Context {
	return context.WithValue(ctx, bannersKey{}, banners)
}

func bannersFrom(ctx context.Context) []string {
	b, _ := ctx.Value(bannersKey{}).([]string)
	return b
}
