import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../security/passwords.ts';

export const emailSchema = z
  .string()
  .trim()
  .max(254, { message: 'is too long for an email address' })
  .pipe(z.email({ message: 'must be an email address such as ana@example.com' }))
  .transform((v) => v.toLowerCase());

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, { message: `must be at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(PASSWORD_MAX_LENGTH, { message: `must be at most ${PASSWORD_MAX_LENGTH} characters` });

export const personNameSchema = z.string().trim().max(100, { message: 'must be at most 100 characters' });

export const organizationNameSchema = z
  .string()
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(100, { message: 'must be at most 100 characters' });
