/** The identity service's database (each service has its own: kumo_<service>). */
export const IDENTITY_DATABASE = 'kumo_identity';
