// The payer's page in live mode: Stripe.js mounts Stripe's own payment
// fields, and confirms the PaymentIntent with Stripe directly. The card
// number goes from the payer's browser to Stripe, never to the console.
'use strict';

(function () {
  const form = document.getElementById('payment-form');
  if (!form || typeof Stripe === 'undefined') return;
  const stripe = Stripe(form.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create('payment').mount('#payment-element');
  const message = document.getElementById('payment-message');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    const returnUrl = new URL(form.dataset.returnUrl, window.location.href).href;
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl } });
    if (error) {
      message.textContent = error.message;
      button.disabled = false;
    }
  });
})();
