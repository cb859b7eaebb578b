import { test } from '@playwright/test'

// Quick smoke tests
test('should redirect to login @quick', async ({ page }) => {
  // ...
})

// Full test suite
test('should handle full authentication flow', async ({ page }) => {
  // ...
})
