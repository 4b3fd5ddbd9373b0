import { Alert, Button, Card, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useSession } from '../auth/session.tsx';
import { PasswordForm } from '../components/password-form.tsx';
import { LanguageSwitch } from '../layout/language-switch.tsx';

/** Shown before anything else while the user must replace a reset password. */
export function ForcedPasswordPage() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  return (
    <div className="login-screen">
      <div className="login-language">
        <LanguageSwitch />
      </div>
      <Card className="login-card" variant="borderless" data-testid="forced-password">
        <Typography.Title level={3}>{t('password.forcedTitle')}</Typography.Title>
        <Alert type="warning" showIcon title={t('password.forcedHint')} style={{ marginBottom: 24 }} />
        <PasswordForm onChanged={() => navigate('/dashboard', { replace: true })} />
        <Button type="link" onClick={session.logout} style={{ paddingLeft: 0, marginTop: 12 }}>
          {t('password.logout')}
        </Button>
      </Card>
    </div>
  );
}
