import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';

/** A menu entry whose module has not landed yet: says so plainly, shows no made-up data. */
export function ComingSoonPage({ name }: { name: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Result
      status="info"
      title={<span data-testid="coming-soon">{t('comingSoon.title')}</span>}
      subTitle={t('comingSoon.description', { name })}
      extra={<Button onClick={() => navigate('/dashboard')}>{t('common.back')}</Button>}
    />
  );
}

export function NotFoundPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <Result
      status="404"
      title={<span data-testid="not-found">{t('notFound.title')}</span>}
      subTitle={t('notFound.description')}
      extra={<Button type="primary" onClick={() => navigate('/dashboard')}>{t('common.back')}</Button>}
    />
  );
}
