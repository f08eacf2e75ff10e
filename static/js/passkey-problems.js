// allauth's WebAuthn script reports a refused or failed passkey ceremony only to the console;
// show the page's own message instead (an element with id "passkey-problem").
document.addEventListener('allauth.error', function (event) {
  const problem = document.getElementById('passkey-problem')
  if (!problem) return
  event.preventDefault()
  problem.hidden = false
  problem.focus()
})
