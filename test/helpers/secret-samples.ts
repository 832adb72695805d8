/**
 * Credentials in the shapes the common secret rule sets (gitleaks, trivy) match, built from parts so that no file
 * of this repository holds a token a scanner would flag. None is real.
 */
export const AWS_ID = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
export const AWS_SECRET = ['wJalrXUtnFEMI/K7MDENG', 'bPxRfiCYEXAMPLEKEY'].join('/');
export const GITHUB_TOKEN = `ghp_${'aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5'}`;
export const SLACK_TOKEN = ['xoxb', '123456789012', '1234567890123', 'AbCdEfGhIjKlMnOpQrStUvWx'].join('-');
export const GCP_API_KEY = `AIza${'SyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v'}`;
/** A password high in entropy, as a generic `password=` assignment holds it. */
export const DB_PASSWORD = ['Zq8#vL2m', '!Xr9Tb4wKp7N'].join('');
